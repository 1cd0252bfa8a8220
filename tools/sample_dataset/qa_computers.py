"""qa_computers.py -- sample questions for class 5, Computers & Internet (written for qaflow)."""

QA = [
    ("What is the difference between RAM and storage?", "",
     "RAM (memory) is fast, temporary working space that holds the programs and data you are using right now; it is wiped when the computer turns off. Storage, such as an SSD or hard drive, keeps your files and programs permanently but is slower. More RAM lets you run more things at once smoothly, while more storage lets you keep more files."),
    ("Why is my computer so slow?", "It is about four years old and takes forever to start.",
     "Common causes are too many programs starting with Windows, not enough free disk space, malware, and an old hard drive. Try these steps:\n1. Disable unneeded startup programs in Task Manager.\n2. Uninstall software you do not use and free up disk space.\n3. Run a malware scan.\nIf it still has a mechanical hard drive, replacing it with an SSD is the single biggest speed-up for an older computer."),
    ("What does HTTPS mean?", "",
     "HTTPS stands for Hypertext Transfer Protocol Secure. It is the normal web protocol, HTTP, sent over an encrypted TLS connection. This means people on the same network cannot read or change what you send and receive, and the site's certificate proves you are talking to the real domain. The padlock icon in the browser shows the connection is HTTPS, but it does not prove the site itself is trustworthy."),
    ("How do I make a strong password?", "",
     "Length matters most. Use at least 12 to 16 characters, and a passphrase of four or more random unrelated words is both strong and easy to remember. Never reuse the same password on different sites, because when one site is breached attackers try it everywhere. A password manager can generate and remember unique passwords for you, and you should turn on two-factor authentication wherever it is offered."),
    ("What is the cloud?", "Everyone talks about saving things to the cloud.",
     "\"The cloud\" just means computers in someone else's data centre that you use over the internet. When you save a photo to the cloud, it is stored on servers run by a company like Google, Apple or Microsoft instead of only on your own device. That lets you reach it from any device and keeps a copy if your phone is lost, but it depends on an internet connection and on trusting the provider."),
    ("What is an IP address?", "",
     "An IP address is a number that identifies a device on a network so data can be sent to it, much like a postal address. IPv4 addresses look like 192.168.1.10, four numbers from 0 to 255. Because there are only about 4.3 billion IPv4 addresses, the newer IPv6 uses much longer addresses. Your home router usually has one public IP address and gives private addresses to the devices inside your home."),
    ("Should I turn off my computer every night?", "",
     "It is mostly a matter of preference. Modern computers are not harmed by being switched on and off, and shutting down saves electricity and clears out problems that build up. Sleep mode uses very little power and lets you resume instantly. A good compromise is to let it sleep overnight and restart it at least once or twice a week so updates can install."),
    ("What is the difference between a virus and malware?", "",
     "Malware is the general term for any malicious software. A virus is one specific type of malware that attaches itself to legitimate files or programs and spreads when they run. Other types include worms, which spread across networks by themselves; trojans, which pretend to be useful programs; ransomware, which encrypts your files and demands payment; and spyware, which secretly collects your information."),
    ("What programming language should I learn first?", "I want to get into coding but do not know where to start.",
     "Python is the most common recommendation for beginners. Its syntax is clean and readable, it has a huge amount of free learning material, and it is used in real jobs, from web development to data science and automation. If you mainly want to build websites, start with HTML, CSS and JavaScript instead. The language matters less than practising regularly and building small projects."),
    ("How does Wi-Fi work?", "",
     "Wi-Fi sends data as radio waves, usually in the 2.4 GHz and 5 GHz bands. Your router is connected to the internet by cable and converts data into radio signals; your phone or laptop has a radio that receives them and sends replies back. The 2.4 GHz band reaches farther and passes through walls better, while 5 GHz is faster but has a shorter range."),
]
