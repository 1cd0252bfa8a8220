"""qa_education.py -- sample questions for class 4, Education & Reference (written for qaflow)."""

QA = [
    ("What is the difference between 'affect' and 'effect'?", "",
     "In most cases \"affect\" is a verb meaning to influence something, and \"effect\" is a noun meaning the result. For example: \"The weather affected my mood\" and \"The weather had an effect on my mood.\" A handy trick is RAVEN: Remember, Affect is a Verb, Effect is a Noun. There are exceptions, such as \"to effect change\", meaning to bring about change."),
    ("How do I write a good thesis statement?", "It is for my first college essay.",
     "A thesis statement is one or two sentences, usually at the end of your introduction, that state the main claim your essay will argue. Make it specific and debatable rather than a plain fact, and hint at the reasons you will give. For example, instead of \"Social media is popular\", write \"Social media harms teenagers' sleep because of late-night use, constant notifications and fear of missing out.\""),
    ("What does 'i.e.' mean and how is it different from 'e.g.'?", "",
     "\"i.e.\" stands for the Latin \"id est\", meaning \"that is\"; use it to restate or clarify something exactly. \"e.g.\" stands for \"exempli gratia\", meaning \"for example\"; use it to give one or more examples from a larger group. So \"I love citrus fruits, e.g. oranges\" gives an example, while \"I love the biggest citrus fruit, i.e. the pomelo\" names the one thing you mean."),
    ("How do you cite a website in APA style?", "",
     "The basic APA 7th edition format is: Author, A. A. (Year, Month Day). Title of page. Site Name. URL\nIf there is no individual author, use the organisation as the author. If there is no date, write (n.d.). Titles of web pages are italicised. For example: World Health Organization. (2023, March 7). Hearing loss. https://www.who.int/..."),
    ("What is the longest word in the English dictionary?", "",
     "The longest word in major dictionaries is usually given as \"pneumonoultramicroscopicsilicovolcanoconiosis\", with 45 letters, a lung disease caused by inhaling very fine silica dust. It was actually coined in the 1930s as a deliberately long word. Among words in normal use, \"antidisestablishmentarianism\" (28 letters) is the classic example."),
    ("How can I study better for exams?", "I read my notes over and over but forget everything.",
     "Rereading feels productive but is one of the weakest methods. Research supports two techniques far more: active recall, where you close the book and test yourself with questions or flashcards, and spaced repetition, where you review material over several days instead of cramming in one night.\nAlso explain topics out loud in your own words, do past papers under timed conditions, and get enough sleep, because memory is consolidated while you sleep."),
    ("What is the difference between a college and a university?", "",
     "In the United States the words are often used interchangeably. Generally a university is larger and offers graduate programs such as master's and doctoral degrees, and is often made up of several colleges or schools. A college is usually smaller and focuses on undergraduate education. In the UK and elsewhere, \"college\" can also mean a school for 16 to 18 year olds or a part of a university like Oxford."),
    ("When should I use 'who' versus 'whom'?", "",
     "Use \"who\" when it is the subject of a verb and \"whom\" when it is the object. A quick test: if you could answer with \"he\" or \"she\", use who; if the answer would be \"him\" or \"her\", use whom. \"Who called?\" (He called.) \"Whom did you call?\" (I called him.) In casual speech most people just use \"who\" everywhere."),
    ("How many continents are there?", "My teacher said seven but my cousin learned six.",
     "Both are taught, depending on the country. The most common English-speaking model has seven: Africa, Antarctica, Asia, Australia (or Oceania), Europe, North America and South America. In much of Latin America and southern Europe students learn six, with North and South America counted as one continent called America. Some models also join Europe and Asia into Eurasia."),
    ("What is the Dewey Decimal System?", "",
     "It is a library classification system created by Melvil Dewey in 1876. Non-fiction books are grouped into ten main classes numbered 000 to 900, for example 500 for natural sciences and mathematics and 900 for history and geography, with decimals used for more specific subjects. That way books on the same topic sit together on the shelf. Many public and school libraries still use it."),
]
