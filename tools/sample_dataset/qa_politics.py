"""qa_politics.py -- sample questions for class 10, Politics & Government (written for qaflow)."""

QA = [
    ("What are the three branches of the US government?", "",
     "The three branches are the legislative, executive and judicial. The legislative branch, Congress (the Senate and the House of Representatives), makes laws. The executive branch, led by the President, carries out and enforces laws. The judicial branch, headed by the Supreme Court, interprets laws and can strike down those that violate the Constitution. This separation creates checks and balances."),
    ("What is the difference between a democracy and a republic?", "",
     "In a pure or direct democracy the people vote on laws themselves. In a republic the people elect representatives to make laws, and the head of state is not a hereditary monarch. Most modern countries, including the United States and France, are representative democracies that are also republics. The UK is a democracy but not a republic, because its head of state is a king."),
    ("How does the Electoral College work?", "",
     "Americans do not vote directly for the President; they vote for electors in their state. Each state gets as many electors as it has members of Congress, and Washington DC gets three, for a total of 538. In 48 states the candidate with the most votes takes all of that state's electors; Maine and Nebraska split theirs by district.\nA candidate needs at least 270 electoral votes to win, which is why someone can win the presidency while losing the national popular vote."),
    ("What is the United Nations?", "",
     "The United Nations is an international organisation founded in 1945, after the Second World War, to maintain peace and encourage cooperation between countries. It has 193 member states. Its main bodies include the General Assembly, where every member has one vote, and the Security Council, which has 15 members, including five permanent members with veto power: the US, UK, France, Russia and China."),
    ("How long is a US senator's term?", "",
     "A US senator serves a six-year term, and there is no limit on how many terms they can serve. The terms are staggered so about one third of the 100 seats are up for election every two years. Members of the House of Representatives serve two-year terms, and the President a four-year term, limited to two terms."),
    ("What is the difference between left-wing and right-wing politics?", "",
     "The terms come from the French Revolution, when supporters of the king sat on the right of the assembly and supporters of change sat on the left. Today left-wing usually means favouring equality, a larger role for government in the economy and social programs, and social change. Right-wing usually means favouring tradition, free markets, lower taxes and a smaller government role. Real views are often a mix of both."),
    ("What does a prime minister do?", "How is that different from a president?",
     "A prime minister is the head of government in a parliamentary system. They are usually the leader of the largest party in parliament, choose the cabinet, set the government's agenda and depend on parliament's support to stay in office. In many such countries there is also a separate head of state, a monarch or a largely ceremonial president. In a presidential system like the US, the president is both head of state and head of government and is elected separately from the legislature."),
    ("Why do some countries have a king or queen but also a parliament?", "",
     "These countries are constitutional monarchies, such as the United Kingdom, Spain, Japan and Sweden. The monarch is the head of state and performs ceremonial duties, but real political power lies with an elected parliament and a prime minister. The monarch's powers are limited by a constitution, written or unwritten, and in practice they almost always act on the government's advice."),
    ("What is a filibuster?", "",
     "A filibuster is a tactic used to delay or block a vote on a bill by extending debate. In the US Senate, debate normally continues until 60 senators vote to end it (a move called cloture), so a determined minority of 41 senators can effectively block most legislation. Historically senators held the floor by speaking for hours; Strom Thurmond spoke for over 24 hours in 1957."),
    ("At what age can you vote?", "",
     "In most countries the voting age is 18, including the United States, the United Kingdom (for general elections), Canada and India. Some countries allow voting at 16, such as Austria, Argentina, Brazil, Malta and Scotland for Scottish and local elections. A few countries set it higher, like 21. You usually also have to be a citizen and registered to vote."),
]
