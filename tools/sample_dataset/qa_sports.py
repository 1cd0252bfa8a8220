"""qa_sports.py -- sample questions for class 6, Sports (written for qaflow)."""

QA = [
    ("How long is a marathon?", "",
     "A marathon is 42.195 kilometres, or 26 miles 385 yards (about 26.2 miles). The distance was fixed at the 1908 London Olympics, where the course was reportedly set so the race could start at Windsor Castle and finish in front of the royal box, and it became the official standard in 1921."),
    ("How many players are on a soccer team?", "",
     "Each team has 11 players on the field at a time, one of whom is the goalkeeper. In most professional competitions teams can now make up to five substitutions during a match, from a bench of several named substitutes. A team must have at least seven players on the field for the game to continue."),
    ("What does 'love' mean in tennis?", "",
     "\"Love\" means a score of zero. The most popular explanation is that it comes from the French word \"l'oeuf\", meaning egg, because a zero looks like an egg, although many historians doubt this. Another theory is that it comes from the phrase \"playing for love\", meaning playing for nothing. Tennis scoring then goes 15, 30, 40 and game."),
    ("Who has won the most World Cups?", "",
     "Brazil has won the FIFA World Cup the most times, with five titles: 1958, 1962, 1970, 1994 and 2002. Germany and Italy have four each, and Argentina has three, the most recent in 2022 in Qatar. Brazil is also the only country that has played in every World Cup tournament."),
    ("How do you calculate a batting average in baseball?", "",
     "Divide the number of hits by the number of official at-bats, and write the result to three decimal places. For example, 150 hits in 500 at-bats is 150 / 500 = .300, said as \"three hundred\". Walks, hit-by-pitches and sacrifices do not count as at-bats. A .300 average over a season is considered excellent."),
    ("What is the offside rule in soccer?", "I never understand it when watching games.",
     "A player is in an offside position if, when a teammate passes the ball to them, they are in the opponent's half and closer to the opponent's goal line than both the ball and the second-to-last defender (the goalkeeper usually counts as one of the last two). Being in that position is only an offence if the player then gets involved in play.\nYou cannot be offside from a goal kick, a throw-in or a corner kick, or when you are level with the defender."),
    ("How often are the Olympic Games held?", "",
     "The Summer and Winter Olympics are each held every four years. Since 1994 they have been staggered, so there is an Olympic Games every two years, alternating between summer and winter. The only exception in recent times was the Tokyo 2020 Summer Games, which were postponed to 2021 because of the COVID-19 pandemic."),
    ("Why do golf balls have dimples?", "",
     "The dimples help the ball fly much farther. They create a thin layer of turbulent air around the ball, which clings to its surface longer and makes the wake behind it smaller, reducing drag. Together with backspin they also create lift. A smooth ball hit by a pro would travel roughly half as far as a dimpled one."),
    ("How many points is a touchdown worth?", "",
     "A touchdown in American football is worth 6 points. The scoring team then attempts a conversion: kicking the ball through the uprights for 1 extra point, or running or passing into the end zone again for 2 points. A field goal is worth 3 points and a safety is worth 2."),
    ("What is the best way to start running as a beginner?", "I get out of breath after two minutes.",
     "Start with a run-walk plan. For example, alternate one minute of easy jogging with two minutes of walking for 20 to 30 minutes, three times a week, and gradually lengthen the running parts over several weeks. Run slowly enough that you could hold a conversation, which is slower than most beginners expect. Good running shoes and rest days between runs help prevent injuries."),
]
