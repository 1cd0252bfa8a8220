"""qa_science.py -- sample questions for class 2, Science & Mathematics (written for qaflow)."""

QA = [
    ("Why is the sky blue?", "",
     "Sunlight contains all colours, and as it passes through the air it is scattered by gas molecules. Short wavelengths like blue are scattered much more strongly than long ones like red (this is called Rayleigh scattering), so blue light reaches your eyes from every direction in the sky. At sunset the light travels through more air, the blue is scattered away, and the sky looks orange and red."),
    ("What is the speed of light?", "",
     "In a vacuum light travels at exactly 299,792,458 metres per second, about 300,000 km per second or 186,000 miles per second. The value is exact because the metre is now defined from it. Light from the Sun takes about 8 minutes and 20 seconds to reach Earth."),
    ("How do you calculate the area of a circle?", "I have a test tomorrow and forgot the formula.",
     "Area = pi times the radius squared (A = pi r^2). The radius is half the diameter. For example, a circle with a radius of 3 cm has an area of about 3.14 x 9 = 28.3 square centimetres. If you only know the diameter, divide it by 2 first."),
    ("Why does ice float on water?", "",
     "Ice is less dense than liquid water. When water freezes, its molecules lock into a hexagonal crystal held together by hydrogen bonds, and that open structure takes up about 9% more space than the liquid. Because the same mass fills a bigger volume, ice floats. This is unusual; most substances are denser as solids."),
    ("What is the difference between weather and climate?", "",
     "Weather is what the atmosphere is doing at a particular time and place: today's temperature, rain, wind and clouds. Climate is the average pattern of weather in a region over a long period, usually 30 years or more. A simple way to remember it: climate is what you expect, weather is what you get."),
    ("Is zero an even number?", "My friend says it is neither even nor odd.",
     "Yes, zero is even. A number is even if it can be divided by 2 with no remainder, and 0 divided by 2 is 0 with nothing left over. It also fits the pattern: even and odd numbers alternate, and zero sits between -1 and 1, which are both odd."),
    ("How many bones are in the human body?", "",
     "An adult human skeleton usually has 206 bones. Babies are born with around 270 to 300 bones or bony pieces, and many of them fuse together as the child grows, for example in the skull and at the base of the spine. The exact number can vary slightly from person to person."),
    ("What causes the seasons on Earth?", "Is it because we are closer to the Sun in summer?",
     "No, distance has very little to do with it. Earth's axis is tilted by about 23.5 degrees. When your hemisphere is tilted toward the Sun, sunlight hits it more directly and days are longer, so it is summer; when it is tilted away, it is winter.\nIn fact Earth is closest to the Sun in early January, which is winter in the Northern Hemisphere."),
    ("What is a prime number?", "",
     "A prime number is a whole number greater than 1 whose only divisors are 1 and itself. The first few are 2, 3, 5, 7, 11, 13 and 17. The number 2 is the only even prime. Numbers greater than 1 that are not prime, like 4, 6 or 9, are called composite, and every one of them can be written as a product of primes in exactly one way."),
    ("Why do we have leap years?", "",
     "A year, the time Earth takes to orbit the Sun, is about 365.2422 days, not exactly 365. Adding a day every four years keeps the calendar in step with the seasons. Because that slightly overcorrects, century years are leap years only if they divide by 400, so 2000 was a leap year but 1900 was not."),
]
