"""qa_society.py -- sample questions for class 1, Society & Culture (written for qaflow)."""

QA = [
    ("Why do people throw rice at weddings?", "",
     "It is an old fertility custom. Rice and other grains stood for a good harvest, so showering the couple with them was a wish for children and prosperity. Many venues now ask guests to use petals, bubbles or birdseed instead because rice is slippery on steps and hard to sweep up."),
    ("What is the origin of the word 'Halloween'?", "My kid asked me and I had no idea.",
     "It is a shortened form of \"All Hallows' Eve\", the evening before All Hallows' Day (All Saints' Day) on November 1. \"Hallow\" is an old English word for a saint or holy person, and \"e'en\" is a contraction of evening. Many of the customs come from the Celtic festival of Samhain, which marked the end of the harvest."),
    ("Why do some cultures eat with chopsticks and others with forks?", "",
     "It mostly comes down to cooking style and history. In China food was cut into small pieces before cooking, partly to save fuel, so there was no need for a knife at the table and chopsticks were enough. In Europe large pieces of meat were served and cut at the table, so knives came first and forks spread later, from Italy, around the 1500s and 1600s."),
    ("What does 'namaste' actually mean?", "",
     "It comes from Sanskrit: \"namas\" means bow or bowing and \"te\" means to you, so literally \"I bow to you\". It is a respectful greeting used in India and Nepal, usually said with the palms pressed together in front of the chest. The popular yoga translation \"the divine in me honors the divine in you\" is a modern, looser interpretation."),
    ("Why is Friday the 13th considered unlucky?", "",
     "Nobody knows exactly, but it seems to combine two older superstitions. Friday was seen as an unlucky day in Christian tradition because the crucifixion is said to have happened on a Friday, and 13 was considered unlucky, sometimes linked to the thirteen people at the Last Supper. The combination only became a widely known superstition in the late 1800s and early 1900s, helped along by a 1907 novel called \"Friday, the Thirteenth\"."),
    ("How many languages are spoken in the world?", "",
     "Roughly 7,000 living languages are spoken today, according to catalogues such as Ethnologue. They are very unevenly spread: about half the world's population speaks one of just a couple of dozen big languages, while thousands of small languages have only a few hundred or a few thousand speakers. Linguists expect a large share of those small languages to disappear this century."),
    ("What is the difference between a custom and a tradition?", "",
     "The words overlap a lot. A custom is usually a common practice in a group, like shaking hands when you meet someone or taking your shoes off indoors.\nA tradition is a belief or practice handed down from generation to generation, often with a sense of history or meaning behind it, such as a family recipe made every holiday. So most traditions are customs, but a custom does not need a long history to be one."),
    ("Why do we say 'bless you' when someone sneezes?", "",
     "There are a few explanations. A popular one is that Pope Gregory I asked people to pray for the sick during a plague in 590 AD, and sneezing was an early symptom. Another old belief was that a sneeze could let your soul escape or let evil spirits in, so a blessing protected you. Today it is simply good manners."),
    ("What is the oldest religion still practiced today?", "",
     "Hinduism is usually called the oldest living major religion, with roots in the Vedic traditions of northern India going back more than 3,000 years. Its oldest text, the Rig Veda, was composed roughly between 1500 and 1200 BC. Zoroastrianism and Judaism are also very old and still have followers today."),
    ("Where did the tradition of the Christmas tree come from?", "Was it always a German thing?",
     "Decorated evergreen trees at Christmas are first documented in Germany and the Baltic region in the 1500s, and the custom spread with German families. It became fashionable in Britain after Queen Victoria and her German husband Prince Albert were shown with a decorated tree in an 1848 newspaper illustration, and from there it spread across the English-speaking world."),
]
