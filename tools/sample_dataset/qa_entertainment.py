"""qa_entertainment.py -- sample questions for class 8, Entertainment & Music (written for qaflow)."""

QA = [
    ("How many strings does a standard guitar have?", "",
     "A standard guitar has six strings. In standard tuning, from the lowest (thickest) to the highest, they are E, A, D, G, B and E. There are also 12-string guitars, where strings are paired to give a fuller, shimmering sound, and 7- and 8-string guitars used mostly in metal and jazz. A standard bass guitar has four strings."),
    ("Who wrote the Harry Potter books?", "",
     "The seven Harry Potter novels were written by British author J.K. Rowling. The first, \"Harry Potter and the Philosopher's Stone\", was published in 1997 (called \"Sorcerer's Stone\" in the US), and the last, \"Harry Potter and the Deathly Hallows\", in 2007. The series has sold more than 500 million copies and was adapted into eight films."),
    ("What is the difference between a musical and an opera?", "",
     "In an opera almost everything is sung, including the dialogue, usually with a classical orchestra and trained classical voices, and the music carries the whole story. A musical mixes songs with spoken dialogue, usually uses popular music styles and often has big dance numbers. The line is blurry, though: some musicals like \"Les Miserables\" are almost entirely sung."),
    ("What was the first feature-length animated movie?", "Was it Snow White?",
     "\"Snow White and the Seven Dwarfs\" (1937) from Disney was the first full-length cel-animated feature in colour and the first produced in America, and it is often called the first animated feature. But earlier feature-length animated films existed, such as the Argentine \"El Apostol\" (1917), which has been lost, and Lotte Reiniger's silhouette film \"The Adventures of Prince Achmed\" (1926), which survives."),
    ("How do I learn to read sheet music?", "",
     "Start with the staff of five lines. In the treble clef the lines from bottom to top are E, G, B, D, F (\"Every Good Boy Does Fine\") and the spaces spell F, A, C, E. Then learn note values: whole, half, quarter and eighth notes, and how time signatures like 4/4 tell you how many beats are in a bar.\nPractise a little every day with simple melodies, and use a free app or a beginner method book to drill note names until they become automatic."),
    ("Why do actors say 'break a leg'?", "",
     "It is a theatrical way of wishing good luck without saying \"good luck\", which many actors believe is bad luck. Nobody is sure where it came from. Theories include the idea of bending the knee for a bow, or \"breaking\" past the leg curtains at the side of the stage to take a curtain call, which only happened if the show went well."),
    ("What is the best-selling album of all time?", "",
     "Michael Jackson's \"Thriller\" (1982) is generally considered the best-selling album of all time, with estimated worldwide sales of around 70 million copies. Other top sellers include AC/DC's \"Back in Black\", Pink Floyd's \"The Dark Side of the Moon\" and the Eagles' \"Their Greatest Hits (1971-1975)\", which is the best-selling album in the United States."),
    ("How many Oscars can a movie win?", "",
     "There is no fixed limit other than the number of categories it is eligible for, currently more than 20. The record is 11 Oscars, shared by three films: \"Ben-Hur\" (1959), \"Titanic\" (1997) and \"The Lord of the Rings: The Return of the King\" (2003). \"The Return of the King\" won every one of the 11 categories it was nominated in."),
    ("What instruments are in a symphony orchestra?", "",
     "A symphony orchestra has four families of instruments. Strings: violins, violas, cellos and double basses, the largest group. Woodwinds: flutes, oboes, clarinets and bassoons. Brass: trumpets, French horns, trombones and tuba. Percussion: timpani, snare and bass drums, cymbals and more. A harp and a piano or celesta are often added, and a full orchestra can have 80 to 100 players."),
    ("Is it hard to learn to play the piano as an adult?", "I am 35 and never played an instrument.",
     "It is definitely possible, and adults have advantages: you understand theory faster, you choose to practise, and you know what music you want to play. What matters most is regular practice, even 15 to 30 minutes a day, rather than age. Expect to play simple pieces within a few months. A teacher, even for a few lessons, helps you avoid bad hand habits early."),
]
