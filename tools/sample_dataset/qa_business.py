"""qa_business.py -- sample questions for class 7, Business & Finance (written for qaflow)."""

QA = [
    ("What is the difference between a stock and a bond?", "",
     "A stock is a share of ownership in a company. If the company grows, the stock price may rise and you may receive dividends, but you can also lose money if it does badly. A bond is a loan you make to a company or government, which pays you interest and returns your money at a set date. Bonds are usually less risky than stocks but tend to earn less over the long term."),
    ("How does compound interest work?", "",
     "Compound interest means you earn interest on your interest, not just on the money you put in. For example, $1,000 at 5% a year earns $50 in the first year, giving $1,050; the next year you earn 5% of $1,050, which is $52.50, and so on. Over long periods this snowballs: at 5% your money roughly doubles every 14 years."),
    ("What is a credit score?", "I am 19 and just got my first credit card.",
     "A credit score is a number that estimates how likely you are to repay borrowed money. In the US the common FICO score runs from 300 to 850, and above about 700 is considered good. It is based mainly on paying bills on time, how much of your credit limit you use, how long you have had credit, the types of credit, and recent applications.\nThe best start is to pay your card in full every month and keep the balance well below your limit."),
    ("What is inflation?", "",
     "Inflation is the general rise in prices over time, which means each unit of money buys less than before. It is usually measured by the change in a consumer price index, a basket of everyday goods and services. Many central banks aim for about 2% inflation a year. Very high inflation erodes savings, while falling prices (deflation) can also hurt the economy."),
    ("Should I pay off debt or save money first?", "",
     "Most advisers suggest building a small emergency fund first, around $1,000 or one month of expenses, so a surprise bill does not push you into more debt. After that, pay off high-interest debt like credit cards as fast as you can, because paying off a card at 20% interest is like earning a guaranteed 20% return. Once that is gone, build a larger emergency fund and save for retirement."),
    ("What does a stock market index like the S&P 500 measure?", "",
     "The S&P 500 tracks the stock prices of about 500 of the largest companies listed in the United States, weighted by their market value. It is used as a snapshot of how the overall US stock market is doing. You cannot buy the index itself, but index funds and ETFs that copy it let you own a small piece of all those companies at low cost."),
    ("How do I write a business plan?", "I want to open a small bakery.",
     "A business plan usually covers: a short executive summary; a description of your business and what makes it different; market research on your customers and competitors; your marketing and sales plan; how the business will be run and who is involved; and financial projections, including start-up costs, expected sales and when you will break even.\nFor a bakery, pay special attention to location, rent, equipment costs and your daily production capacity. Local small business centres often review plans for free."),
    ("What is the difference between gross and net income?", "",
     "Gross income is the total amount earned before anything is taken out. For a worker it is the full salary; for a business it is revenue minus the cost of goods sold. Net income is what is left after deductions: for a worker, after taxes, social security and other payroll deductions; for a business, after all expenses, interest and taxes. Net income is often called take-home pay or the bottom line."),
    ("What is a 401(k)?", "",
     "A 401(k) is a retirement savings plan offered by many US employers, named after a section of the tax code. You contribute part of each paycheck, usually before income tax, and the money is invested until retirement. Many employers match part of your contributions, which is essentially free money, so it is wise to contribute at least enough to get the full match. Withdrawing before age 59 and a half usually triggers a penalty."),
    ("Why do companies split their stock?", "",
     "A stock split gives shareholders more shares at a lower price per share without changing the total value. In a 2-for-1 split, one share worth $200 becomes two shares worth $100 each. Companies do it mainly to make the share price look more affordable to small investors and to improve trading. The company is not worth any more or less because of the split."),
]
