"""qa_health.py -- sample questions for class 3, Health (written for qaflow)."""

QA = [
    ("How much water should I drink a day?", "",
     "There is no single number for everyone. A common guideline is about 2.7 litres of total water a day for women and 3.7 litres for men, but that includes water from food, which is around 20% of it. Most healthy people can simply drink when thirsty and check that their urine is pale yellow. You need more in hot weather, during exercise, or when you are ill with fever or diarrhoea."),
    ("Is it bad to crack your knuckles?", "My mom says I will get arthritis.",
     "Studies have not found a link between knuckle cracking and arthritis. The popping sound comes from gas bubbles forming in the fluid inside the joint when you stretch it. One doctor even cracked the knuckles of only one hand for over 60 years and found no difference between his hands. If it causes pain or swelling, though, see a doctor."),
    ("How many hours of sleep do adults need?", "",
     "Most adults need 7 to 9 hours of sleep a night. Regularly getting less than 7 hours is linked to poorer concentration, weaker immunity, weight gain and a higher risk of heart disease. Teenagers need more, about 8 to 10 hours, and older adults often need 7 to 8."),
    ("What is the difference between a virus and bacteria?", "",
     "Bacteria are single-celled living organisms that can reproduce on their own; most are harmless or even helpful, but some cause illnesses like strep throat or urinary tract infections. Viruses are much smaller and cannot reproduce without getting inside a host cell. Colds, flu and COVID-19 are viral.\nAntibiotics work against bacteria but do nothing against viruses, which is why doctors will not prescribe them for a cold."),
    ("Why do I get a headache when I skip coffee?", "",
     "Regular caffeine narrows the blood vessels in your head a little, and your body adapts to it. When you suddenly skip it, the vessels widen and blood flow to the brain increases, which can cause a withdrawal headache, usually within 12 to 24 hours. It normally fades after a few days. Cutting down gradually avoids most of it."),
    ("Should you put butter on a burn?", "",
     "No. Butter holds heat in the skin and can increase the risk of infection. For a minor burn, cool it under cool (not ice cold) running water for about 20 minutes, remove rings or tight items nearby, and cover it loosely with a clean non-fluffy dressing or cling film. Get medical help for large, deep or facial burns, or burns on a child."),
    ("What is a normal resting heart rate?", "",
     "For adults a normal resting heart rate is between 60 and 100 beats per minute. Fit people and athletes often have lower rates, sometimes 40 to 60, because their heart pumps more blood with each beat. Measure it after sitting quietly for a few minutes. A resting rate that is often above 100 or below 50 with dizziness is worth checking with a doctor."),
    ("Can you catch a cold from being cold?", "",
     "Not directly. Colds are caused by viruses, mostly rhinoviruses, so you have to be exposed to the virus to catch one. Colds are more common in winter because people spend more time indoors close together, and some research suggests the virus survives better in cool, dry air and that a chilled nose may defend itself less well. But cold weather alone does not give you a cold."),
    ("How long does it take to form a habit?", "People always say 21 days, is that true?",
     "The 21-day figure is a myth that came from a 1960s self-help book. A well-known study from University College London found that forming a habit took anywhere from 18 to 254 days, with an average of about 66 days. Simple habits like drinking a glass of water after breakfast form faster than complicated ones like daily exercise. Missing a single day did not ruin the process."),
    ("What are the symptoms of dehydration?", "",
     "Early signs are thirst, dark yellow and strong-smelling urine, peeing less often, a dry mouth, tiredness and headache. More serious dehydration can cause dizziness, confusion, a fast heartbeat and sunken eyes. Babies, older people and anyone with vomiting or diarrhoea are most at risk. Severe symptoms need urgent medical care."),
]
