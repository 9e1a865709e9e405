"""Synthetic but plausible mentors, learners and reviews for demos and load tests.

`seed()` is deterministic for a given `seed` value: it draws everything from its own
`random.Random(seed)` and never from the global generator or from database ids, so two
fresh databases seeded alike hold the same people with the same skills.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, insert, select

from core.db.engine import Database
from core.db.schema import (
    Account,
    AvailabilityWindow,
    MentorProfile,
    Review,
    Skill,
    User,
    UserLanguage,
    UserSkill,
)
from core.languages import language_by_code
from core.services.catalog import sync_taxonomy
from core.skills import load_taxonomy, skill_key

T = TypeVar("T")

PLATFORM = "web"
WORKSPACE = "seed"


@dataclass(frozen=True)
class SeedReport:
    mentors: int
    learners: int
    reviews: int
    pending: int


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class _Region:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    language: str  # own language besides English / Hindi
    language_p: float  # chance the person lists it
    hindi_p: float  # Indian regions only
    english_p: float
    zones: tuple[tuple[str, int], ...] = ()  # international regions only
    colleges: tuple[str, ...] = ()  # international regions only


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split())


INDIAN: dict[str, tuple[_Region, int]] = {
    "north": (
        _Region(
            _t(
                "Aarav Rohan Arjun Vivaan Aditya Karan Rahul Ankit Nikhil Saurabh Abhishek Varun "
                "Manish Deepak Ayush Kunal Shivam Yash Ishaan Pranav Harshit Mohit Utkarsh "
                "Siddhant Gaurav Akash Anshul Prateek Rishabh Vikas Sumit Aman"
            ),
            _t(
                "Priya Ananya Neha Pooja Riya Shreya Isha Aditi Divya Nisha Sakshi Tanvi Kritika "
                "Swati Muskan Anjali Ritika Shivani Nandini Vaishnavi Garima Shalini Megha "
                "Aakriti Palak Simran"
            ),
            _t(
                "Sharma Verma Gupta Mishra Agarwal Tiwari Pandey Chauhan Saxena Srivastava Yadav "
                "Singh Chaudhary Kapoor Malhotra Bansal Jain Tripathi Dubey Rastogi Khanna "
                "Arora Bhatia Goel Mittal Rawat Negi Thakur Shukla Dixit"
            ),
            "hi",
            1.0,
            1.0,
            0.9,
        ),
        30,
    ),
    "bengal": (
        _Region(
            _t(
                "Sourav Arnab Debjit Ritwik Anirban Subhajit Sayan Aritra Soumya Indranil "
                "Sougata Abhirup Rajdeep Sandip Kaushik Tathagata"
            ),
            _t(
                "Moumita Sreya Payel Tanushree Rituparna Ankita Debolina Sohini Paromita "
                "Srijita Ishita Madhurima Anwesha Sayantani Trisha"
            ),
            _t(
                "Das Banerjee Chatterjee Mukherjee Bose Ghosh Sen Dutta Sarkar Roy Bhattacharya "
                "Chakraborty Ganguly Mitra Saha Majumdar Biswas Haldar"
            ),
            "bn",
            0.9,
            0.6,
            0.92,
        ),
        9,
    ),
    "telugu": (
        _Region(
            _t(
                "Sai Venkat Srinivas Harsha Mahesh Praneeth Charan Teja Ravi Naveen Rakesh "
                "Vamsi Sandeep Chaitanya Phani Akhil Krishna Srikanth"
            ),
            _t(
                "Lakshmi Sravani Keerthi Sowmya Bhavana Harika Deepthi Manasa Sahithi Pavani "
                "Niharika Tejaswi Swathi Mounika Anusha"
            ),
            _t(
                "Reddy Rao Naidu Chowdary Varma Raju Goud Kondapalli Gaddam Yerram Bandi "
                "Kommineni Pasupuleti Vemula Gadde Jonnalagadda Nallamothu Chintala"
            ),
            "te",
            0.9,
            0.55,
            0.92,
        ),
        10,
    ),
    "marathi": (
        _Region(
            _t(
                "Omkar Aniket Siddharth Tejas Sagar Pratik Chinmay Vaibhav Amol Shubham Rohit "
                "Mandar Nikhil Akshay Sarang Ninad"
            ),
            _t(
                "Sneha Shruti Mrunal Prajakta Gauri Rutuja Sayali Ketaki Aishwarya Madhura "
                "Pranali Manasi Tejaswini Apurva"
            ),
            _t(
                "Kulkarni Deshpande Patil Joshi Jadhav Gokhale Deshmukh Pawar Shinde Kale "
                "Bhosale Apte Phadke Gaikwad More Sawant Chavan Ranade"
            ),
            "mr",
            0.85,
            0.85,
            0.9,
        ),
        10,
    ),
    "tamil": (
        _Region(
            _t(
                "Karthik Arun Vignesh Praveen Suresh Balaji Ashwin Hari Gautham Senthil "
                "Dinesh Prakash Madhavan Raghu Sriram Aravind Kishore Bharath"
            ),
            _t(
                "Meena Harini Nithya Priyanka Janani Keerthana Swetha Divya Kavya Deepika "
                "Revathi Sangeetha Abirami Vidya Gayathri Pavithra"
            ),
            _t(
                "Iyer Iyengar Subramanian Krishnan Natarajan Raman Sundaram Ramasamy Venkatesan "
                "Murugan Rajendran Balasubramanian Chandrasekaran Raghavan Srinivasan Ganesan "
                "Annamalai Kumaran Shanmugam"
            ),
            "ta",
            0.9,
            0.4,
            0.94,
        ),
        11,
    ),
    "gujarati": (
        _Region(
            _t(
                "Harsh Parth Dhruv Jay Hardik Nirav Chirag Jignesh Kunj Meet Rushil Tirth "
                "Yash Devang"
            ),
            _t("Krupa Hetal Nidhi Khushi Dhara Foram Bhumi Riddhi Jinal Hiral Kinjal Mansi Zeel"),
            _t(
                "Patel Shah Mehta Desai Trivedi Parikh Modi Pandya Bhatt Thakkar Dave Vyas "
                "Soni Joshi Gandhi Chokshi"
            ),
            "gu",
            0.85,
            0.85,
            0.88,
        ),
        7,
    ),
    "kannada": (
        _Region(
            _t(
                "Prajwal Chetan Kiran Raghav Manjunath Sharath Darshan Vinay Nikhil Pavan "
                "Sudeep Shreyas Abhay Girish"
            ),
            _t(
                "Sinchana Shwetha Ramya Bhoomika Spoorthi Chaitra Pallavi Ananya Shruthi "
                "Rakshitha Varsha Apoorva"
            ),
            _t(
                "Gowda Hegde Shetty Bhat Kamath Acharya Shenoy Rao Kulkarni Prabhu Pai "
                "Nayak Adiga Upadhya"
            ),
            "kn",
            0.85,
            0.6,
            0.92,
        ),
        7,
    ),
    "malayalam": (
        _Region(
            _t(
                "Anand Jithin Vishnu Akhil Sreejith Abhijith Midhun Arjun Rahul Nikhil "
                "Sandeep Jerin Ajay Sooraj"
            ),
            _t(
                "Athira Gopika Aswathy Devika Neethu Reshma Anjali Lakshmi Aparna Sruthy "
                "Anagha Maria Nimisha"
            ),
            _t(
                "Nair Menon Pillai Kurup Thomas Varghese Joseph Kurian Panicker Namboothiri "
                "Mathew Jacob Warrier Krishnan Chacko"
            ),
            "ml",
            0.9,
            0.5,
            0.95,
        ),
        7,
    ),
    "punjabi": (
        _Region(
            _t(
                "Gurpreet Harpreet Manpreet Jaspreet Navjot Amrit Harjot Karanveer Arshdeep "
                "Gurkirat Jasraj Sukhman"
            ),
            _t("Simran Harleen Jasleen Navneet Gurleen Mehak Prabhleen Manjot Rupinder Avneet"),
            _t(
                "Singh Gill Sandhu Dhillon Grewal Sidhu Bajwa Brar Randhawa Sekhon Virk "
                "Chahal Ahluwalia"
            ),
            "pa",
            0.85,
            0.9,
            0.88,
        ),
        5,
    ),
    "urdu": (
        _Region(
            _t(
                "Imran Faisal Aamir Zaid Rehan Arif Salman Adil Danish Irfan Sameer Tabish "
                "Junaid Rizwan Kabir"
            ),
            _t(
                "Fatima Ayesha Zoya Sana Sara Mehreen Nazia Alisha Hina Iqra Rukhsar Amna "
                "Tabassum Zainab"
            ),
            _t(
                "Khan Ahmed Siddiqui Qureshi Ansari Shaikh Hussain Mirza Syed Rizvi Farooqui "
                "Naqvi Hashmi Malik Pathan"
            ),
            "ur",
            0.5,
            0.95,
            0.9,
        ),
        7,
    ),
}

INTERNATIONAL: dict[str, tuple[_Region, int]] = {
    "anglo": (
        _Region(
            _t("James Jack Liam Noah Oliver Ethan Daniel Samuel Thomas Henry Lucas"),
            _t("Olivia Charlotte Emily Grace Chloe Sophie Hannah Amelia Ruby Ella Zoe"),
            (
                "Smith",
                "Johnson",
                "Brown",
                "Wilson",
                "Taylor",
                "Williams",
                "O'Brien",
                "Walker",
                "Clarke",
                "Thompson",
                "Evans",
                "Murphy",
                "Robinson",
                "Hughes",
                "Kelly",
                "Cooper",
            ),
            "en",
            1.0,
            0.0,
            1.0,
            (
                ("Europe/London", 30),
                ("America/New_York", 25),
                ("America/Los_Angeles", 20),
                ("Australia/Sydney", 25),
            ),
            (
                "UCL",
                "University of Toronto",
                "UNSW Sydney",
                "Georgia Tech",
                "University of Edinburgh",
                "University of Michigan",
            ),
        ),
        25,
    ),
    "hispanic": (
        _Region(
            _t("Carlos Diego Javier Mateo Alejandro Andrés Luis Pablo Miguel"),
            _t("Maria Lucia Sofia Valentina Camila Isabela Daniela Paula Elena"),
            _t(
                "Garcia Martinez Lopez Fernandez Rodriguez Gonzalez Hernandez Ramirez Torres "
                "Flores Morales Castillo"
            ),
            "es",
            1.0,
            0.0,
            0.9,
            (("America/Los_Angeles", 50), ("America/New_York", 50)),
            ("UC Berkeley", "UT Austin", "UCLA", "NYU", "Arizona State University"),
        ),
        15,
    ),
    "chinese": (
        _Region(
            _t("Wei Hao Jun Ming Lei Jian Chen Kai Yong"),
            _t("Jing Mei Xin Yan Hui Ling Xiu Fang Qing"),
            _t("Chen Wang Zhang Liu Lim Tan Huang Zhou Wu Lee Ng Goh"),
            "zh",
            1.0,
            0.0,
            0.9,
            (("Asia/Singapore", 70), ("America/Los_Angeles", 15), ("Australia/Sydney", 15)),
            ("NUS", "NTU Singapore", "Tsinghua University", "University of Sydney"),
        ),
        15,
    ),
    "german": (
        _Region(
            _t("Lukas Felix Jonas Maximilian Paul Leon Tobias Niklas Jan"),
            _t("Emma Anna Lena Leonie Hannah Mia Laura Julia Katharina"),
            _t(
                "Schmidt Müller Schneider Fischer Weber Wagner Becker Hoffmann Schulz Koch "
                "Richter Wolf"
            ),
            "de",
            1.0,
            0.0,
            0.92,
            (("Europe/Berlin", 100),),
            ("TU Munich", "RWTH Aachen", "KIT Karlsruhe", "TU Berlin"),
        ),
        12,
    ),
    "nigerian": (
        _Region(
            _t("Olusegun Adebayo Tunde Oluwaseun Kehinde Femi Babatunde Damilola Ayodele"),
            _t("Funmilayo Folake Temitope Bukola Yetunde Adaeze Titilayo Oluwakemi Abimbola"),
            _t(
                "Adeyemi Balogun Ogunleye Afolabi Oyelaran Bello Adewale Ogunbiyi Olatunji "
                "Akinola Fashola"
            ),
            "yo",
            0.8,
            0.0,
            1.0,
            (("Europe/London", 70), ("America/New_York", 30)),
            ("University of Lagos", "Obafemi Awolowo University", "Imperial College London"),
        ),
        10,
    ),
    "french": (
        _Region(
            _t("Louis Hugo Antoine Julien Théo Nicolas Mathieu"),
            _t("Camille Chloé Léa Manon Inès Juliette Clara"),
            _t("Dubois Martin Bernard Laurent Moreau Lefebvre Girard Roux Fournier Mercier"),
            "fr",
            1.0,
            0.0,
            0.85,
            (("Europe/Berlin", 60), ("Europe/London", 40)),
            ("École Polytechnique", "Sorbonne University", "EPFL", "INSA Lyon"),
        ),
        8,
    ),
    "japanese": (
        _Region(
            _t("Haruto Kenji Ren Takumi Sota Daiki Hiroshi"),
            _t("Yuki Sakura Aiko Hina Yui Mei Akari"),
            _t("Tanaka Sato Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kato"),
            "ja",
            1.0,
            0.0,
            0.75,
            (("Asia/Tokyo", 100),),
            ("University of Tokyo", "Kyoto University", "Tokyo Tech", "Keio University"),
        ),
        8,
    ),
    "arabic": (
        _Region(
            _t("Omar Yusuf Khalid Hamza Tariq Ahmed Karim"),
            _t("Layla Noor Mariam Rania Salma Huda Dana"),
            _t("Al-Farsi Haddad Nasser Mansour Hamdan Saleh Khoury Al-Amiri"),
            "ar",
            1.0,
            0.0,
            0.9,
            (("Asia/Dubai", 100),),
            ("Khalifa University", "American University of Sharjah", "NYU Abu Dhabi"),
        ),
        7,
    ),
}

INDIA_TZ = "Asia/Kolkata"
DIASPORA_ZONES = (
    ("Asia/Dubai", 20),
    ("Asia/Singapore", 20),
    ("Europe/London", 15),
    ("America/Los_Angeles", 15),
    ("America/New_York", 12),
    ("Europe/Berlin", 10),
    ("Australia/Sydney", 8),
)
INTERNATIONAL_SHARE = 0.2
DIASPORA_SHARE = 0.12  # of Indians: with 20% internationals this leaves ~70% in Asia/Kolkata


# --------------------------------------------------------------------------- careers

ORGS: dict[str, tuple[str, ...]] = {
    "tech": (
        "Flipkart",
        "Swiggy",
        "Zomato",
        "Razorpay",
        "CRED",
        "Zerodha",
        "PhonePe",
        "Paytm",
        "Meesho",
        "Freshworks",
        "Zoho",
        "Atlassian",
        "Microsoft",
        "Google",
        "Amazon",
        "Uber",
        "Juspay",
        "Postman",
        "BrowserStack",
        "Myntra",
        "Infosys",
        "TCS",
        "Wipro",
        "Walmart Global Tech",
        "Adobe",
        "Oracle",
        "Intuit",
        "Salesforce",
        "Groww",
        "Ola",
    ),
    "tech_intl": (
        "Google",
        "Shopify",
        "Spotify",
        "SAP",
        "Grab",
        "Canva",
        "Atlassian",
        "Booking.com",
        "Stripe",
        "Rakuten",
        "Careem",
        "Zalando",
        "Microsoft",
        "Amazon",
        "Meta",
        "Datadog",
    ),
    "college": (
        "IIT Madras",
        "IIT Bombay",
        "IIT Delhi",
        "IIT Kharagpur",
        "IIT Kanpur",
        "BITS Pilani",
        "NIT Trichy",
        "NIT Surathkal",
        "IIIT Hyderabad",
        "VIT Vellore",
        "DTU",
        "NSUT Delhi",
        "Jadavpur University",
        "COEP Pune",
        "Anna University",
        "PES University",
        "Manipal Institute of Technology",
        "IIIT Bangalore",
        "SRM Chennai",
        "Thapar University",
    ),
    "grad": (
        "Georgia Tech",
        "TU Munich",
        "University of Toronto",
        "NUS",
        "UIUC",
        "Carnegie Mellon",
        "ETH Zurich",
        "UC San Diego",
        "University of Edinburgh",
        "Purdue",
        "TU Delft",
        "Arizona State University",
        "University of Melbourne",
        "Northeastern University",
        "RWTH Aachen",
        "IIM Ahmedabad",
        "IISc Bangalore",
    ),
    "design": (
        "Swiggy",
        "CRED",
        "Zomato",
        "Microsoft",
        "Google",
        "Razorpay",
        "Ola",
        "Adobe",
        "Myntra",
        "Canva",
        "Obvious",
        "Lollypop Design Studio",
        "Fractal Ink",
        "Airbnb",
        "Spotify",
    ),
    "design_school": (
        "NID Ahmedabad",
        "IDC IIT Bombay",
        "Srishti Manipal",
        "MIT Institute of Design",
        "NIFT Delhi",
    ),
    "science_school": (
        "St. Stephen's College",
        "Chennai Mathematical Institute",
        "ISI Kolkata",
        "IISc Bangalore",
        "Presidency University",
        "Fergusson College",
        "IISER Pune",
    ),
    "business_school": (
        "SRCC Delhi",
        "St. Xavier's College Mumbai",
        "Christ University",
        "NMIMS Mumbai",
        "Symbiosis Pune",
        "Loyola College Chennai",
        "IIM Bangalore",
    ),
    "arts_school": (
        "Sir J.J. School of Art",
        "FTII Pune",
        "KM Music Conservatory",
        "Whistling Woods",
        "Srishti Manipal",
    ),
    "design_intl": ("Spotify", "Canva", "Figma", "Airbnb", "Shopify", "IDEO", "Booking.com"),
    "finance_intl": (
        "Goldman Sachs",
        "JP Morgan",
        "Morgan Stanley",
        "Deloitte",
        "EY",
        "KPMG",
        "HSBC",
        "Barclays",
        "DBS Bank",
    ),
    "business_intl": ("McKinsey", "BCG", "Bain", "Accenture", "Amazon", "Shopify", "Stripe"),
    "marketing_intl": ("HubSpot", "Ogilvy", "Canva", "Spotify", "Unilever", "L'Oréal"),
    "edu_intl": ("Coursera", "British Council", "Duolingo", "Toastmasters", "Khan Academy"),
    "finance": (
        "Goldman Sachs",
        "JP Morgan",
        "Morgan Stanley",
        "Zerodha",
        "Deloitte",
        "EY",
        "KPMG",
        "HDFC Bank",
        "Kotak Securities",
        "Motilal Oswal",
        "ICICI Securities",
        "Groww",
    ),
    "business": (
        "McKinsey",
        "BCG",
        "Bain",
        "Accenture",
        "Swiggy",
        "Flipkart",
        "Razorpay",
        "Zomato",
        "Meesho",
        "Unacademy",
        "Amazon",
        "Microsoft",
        "an early-stage startup",
    ),
    "marketing": (
        "Nykaa",
        "boAt",
        "Mamaearth",
        "Swiggy",
        "Zomato",
        "Ogilvy",
        "Dentsu",
        "HubSpot",
        "Myntra",
        "Lenskart",
        "Unacademy",
        "CRED",
    ),
    "edu": (
        "Unacademy",
        "Physics Wallah",
        "Vedantu",
        "upGrad",
        "Scaler",
        "IIT Madras",
        "Delhi University",
        "Christ University",
        "British Council",
        "Toastmasters",
    ),
    "hardware": (
        "Qualcomm",
        "Texas Instruments",
        "Intel",
        "NVIDIA",
        "Bosch",
        "Ather Energy",
        "Tata Elxsi",
        "Samsung R&D",
        "AMD",
        "Continental",
    ),
    "games": (
        "Ubisoft Pune",
        "Nazara",
        "Zynga",
        "SuperGaming",
        "Rockstar India",
        "Gameberry Labs",
        "Moonfrog",
        "Unity",
    ),
    "web3": ("Polygon", "CoinDCX", "CoinSwitch", "Biconomy", "Chainlink Labs", "Coinbase"),
    "studio": ("a Mumbai studio", "a Bengaluru agency", "Freelance", "YRF Studios", "T-Series"),
}

_SESSION_CODE = (
    "Bring one concrete question or a snippet of code and we'll work through it together.",
    "In a 10-minute session we can debug one problem or review a small piece of your code.",
    "Short sessions work best: send me the problem beforehand and we go straight to the fix.",
    "We'll pick one topic, I'll explain it with an example, and you leave with a small exercise.",
)
_SESSION_CAREER = (
    "Send your resume beforehand and we'll go through it line by line.",
    "A session is usually a quick mock round followed by honest, specific feedback.",
    "Tell me where you are and where you want to be; we'll leave with a concrete next step.",
)
_SESSION_STUDIES = (
    "Bring your university shortlist or SOP draft and we'll tighten it together.",
    "We can go through your profile and figure out realistic target programs in one call.",
    "Share your test scores and timeline and I'll help you plan the remaining months.",
)
_SESSION_DESIGN = (
    "Share a Figma link before the call and I'll give concrete, prioritised feedback.",
    "We can critique one screen or one case study per session — small and focused.",
    "Bring a design you're stuck on and we'll work out the next iteration together.",
)
_SESSION_GENERIC = (
    "Bring one specific question and we'll work through it together.",
    "Sessions are short and practical: one problem, one clear next step.",
    "Tell me what you're stuck on beforehand so we can use the time well.",
)

_GOALS_CODE = (
    "Crack a product-company SDE interview by {month}",
    "Get comfortable enough in {skill} to build small projects on my own",
    "Move from a service company to a product company this year",
    "Get my first open-source contribution merged",
)
_GOALS_GENERIC = (
    "Get confident with {skill} in the next three months",
    "Learn {skill} properly instead of copying tutorials",
    "Use {skill} in a real project at work",
    "Understand {skill} well enough to explain it to someone else",
)


@dataclass(frozen=True)
class _Track:
    roles: tuple[str, ...]
    orgs: str
    student_share: float = 0.0
    max_years: int = 15
    certs: tuple[str, ...] = ()
    sessions: tuple[str, ...] = _SESSION_GENERIC
    goals: tuple[str, ...] = _GOALS_GENERIC
    school: str = "college"
    branches: tuple[tuple[str, int], ...] = ()  # empty: engineering branches


TRACKS: dict[str, _Track] = {
    "Programming Languages": _Track(
        (
            "SDE-1",
            "SDE-2",
            "Senior Software Engineer",
            "Software Engineer",
            "Staff Engineer",
            "Backend Engineer",
        ),
        "tech",
        0.3,
        certs=(
            "Oracle Certified Professional: Java SE 17 Developer",
            "PCAP – Certified Associate in Python Programming",
            "Microsoft Certified: Azure Developer Associate",
        ),
        sessions=_SESSION_CODE,
        goals=_GOALS_CODE,
    ),
    "Web Development": _Track(
        (
            "Frontend Engineer",
            "Full-Stack Developer",
            "SDE-2",
            "Senior Frontend Engineer",
            "Backend Engineer",
            "Web Developer",
        ),
        "tech",
        0.3,
        certs=(
            "Meta Front-End Developer Professional Certificate",
            "MongoDB Certified Developer Associate",
        ),
        sessions=_SESSION_CODE,
        goals=(
            "Ship my first full-stack side project",
            "Get my first open-source contribution merged",
            "Build a portfolio site with {skill} and land a frontend internship",
            "Get comfortable with {skill} before my internship starts",
        ),
    ),
    "Data Science": _Track(
        (
            "Data Analyst",
            "Data Scientist",
            "Senior Data Analyst",
            "Data Engineer",
            "Analytics Engineer",
            "Business Analyst",
        ),
        "tech",
        0.2,
        certs=(
            "Google Data Analytics Professional Certificate",
            "Microsoft Certified: Power BI Data Analyst Associate",
            "Databricks Certified Data Engineer Associate",
            "Tableau Desktop Specialist",
        ),
        sessions=_SESSION_CODE,
        goals=(
            "Switch from mechanical engineering to data science",
            "Build three {skill} projects for my portfolio",
            "Move from Excel reporting to Python-based analysis",
            "Land a data analyst role by {month}",
        ),
    ),
    "Machine Learning & AI": _Track(
        (
            "ML Engineer",
            "Data Scientist",
            "Applied Scientist",
            "AI Engineer",
            "Research Engineer",
            "Senior ML Engineer",
        ),
        "tech",
        0.25,
        certs=(
            "TensorFlow Developer Certificate",
            "AWS Certified Machine Learning – Specialty",
            "DeepLearning.AI Deep Learning Specialization",
        ),
        sessions=_SESSION_CODE,
        goals=(
            "Understand {skill} well enough for my final-year project",
            "Publish a solid Kaggle notebook on {skill}",
            "Switch from backend development to ML engineering",
            "Build and deploy a small {skill} app end to end",
        ),
    ),
    "Computer Science Fundamentals": _Track(
        (
            "SDE-2",
            "Senior Software Engineer",
            "Staff Engineer",
            "SDE-1",
            "Software Engineer",
            "Tech Lead",
        ),
        "tech",
        0.35,
        certs=("ICPC Asia Regionalist", "Codeforces Expert (1700+)", "LeetCode Knight"),
        sessions=_SESSION_CODE,
        goals=(
            "Crack a product-company SDE interview by {month}",
            "Reach a 1600+ rating on Codeforces",
            "Get confident at {skill} before placement season",
            "Clear the system design round for a senior role",
        ),
    ),
    "Career": _Track(
        (
            "Engineering Manager",
            "Senior Software Engineer",
            "Technical Recruiter",
            "Career Coach",
            "HR Business Partner",
            "Talent Acquisition Lead",
        ),
        "tech",
        0.05,
        certs=("ICF Associate Certified Coach", "SHRM Certified Professional"),
        sessions=_SESSION_CAREER,
        goals=(
            "Land a job after a two-year career break",
            "Negotiate a better offer for my next switch",
            "Get shortlisted by at least five product companies",
            "Prepare for {skill} before placement season",
        ),
    ),
    "Higher Studies": _Track(
        (
            "MS CS student",
            "MS Data Science student",
            "PhD candidate",
            "MEM student",
            "MBA candidate",
            "Research Assistant",
        ),
        "grad",
        0.0,
        6,
        certs=("GRE 329/340", "IELTS Band 8.0", "TOEFL 114/120", "GMAT 730"),
        sessions=_SESSION_STUDIES,
        goals=(
            "Get into a good MS program in Germany for Fall {next_year}",
            "Score 325+ in the GRE",
            "Write a strong SOP for Fall {next_year} applications",
            "Shortlist universities for an MS in the US within my budget",
        ),
    ),
    "Cloud & DevOps": _Track(
        (
            "DevOps Engineer",
            "Site Reliability Engineer",
            "Cloud Engineer",
            "Platform Engineer",
            "Cloud Architect",
            "Senior DevOps Engineer",
        ),
        "tech",
        0.1,
        certs=(
            "AWS Certified Solutions Architect – Associate",
            "Certified Kubernetes Administrator (CKA)",
            "HashiCorp Certified: Terraform Associate",
            "Microsoft Certified: Azure Administrator Associate",
            "Google Cloud Professional Cloud Architect",
            "AWS Certified DevOps Engineer – Professional",
        ),
        sessions=_SESSION_CODE,
        goals=(
            "Clear the AWS Solutions Architect Associate exam",
            "Move from manual deployments to a proper CI/CD pipeline at work",
            "Understand {skill} well enough to run it in production",
            "Switch from support to a DevOps role",
        ),
    ),
    "Design": _Track(
        (
            "Product Designer",
            "UX Designer",
            "UI/UX Designer",
            "Senior Product Designer",
            "Visual Designer",
            "UX Researcher",
        ),
        "design",
        0.2,
        certs=(
            "Google UX Design Professional Certificate",
            "NN/g UX Certification",
            "Adobe Certified Professional",
        ),
        sessions=_SESSION_DESIGN,
        goals=(
            "Move from graphic design into product design",
            "Build a UX case study strong enough for a first design job",
            "Get better at {skill} for my portfolio",
        ),
        school="design_school",
        branches=(("B.Des", 50), ("M.Des", 30), ("Interaction Design", 20)),
    ),
    "Mobile Development": _Track(
        ("Android Developer", "iOS Engineer", "Flutter Developer", "Mobile Engineer", "SDE-2"),
        "tech",
        0.25,
        certs=("Associate Android Developer (Google)",),
        sessions=_SESSION_CODE,
        goals=("Publish my first app on the Play Store", *_GOALS_GENERIC[:2]),
    ),
    "Databases": _Track(
        ("Database Engineer", "Backend Engineer", "Data Engineer", "Database Administrator"),
        "tech",
        0.1,
        certs=("Oracle Database SQL Certified Associate", "MongoDB Certified DBA Associate"),
        sessions=_SESSION_CODE,
    ),
    "Security": _Track(
        (
            "Security Engineer",
            "Penetration Tester",
            "SOC Analyst",
            "Security Consultant",
            "Application Security Engineer",
        ),
        "tech",
        0.15,
        certs=("OSCP", "CEH", "CompTIA Security+", "CISSP"),
        goals=("Find my first valid bug bounty", *_GOALS_GENERIC[:2]),
    ),
    "Product & Business": _Track(
        (
            "Product Manager",
            "Associate Product Manager",
            "Senior Product Manager",
            "Founder",
            "Management Consultant",
            "Business Analyst",
        ),
        "business",
        0.05,
        certs=("Certified Scrum Product Owner (CSPO)", "PMP"),
        school="business_school",
        branches=(("BBA", 40), ("B.Com", 35), ("Economics", 25)),
        goals=(
            "Move from engineering into product management",
            "Crack APM interviews this placement season",
            *_GOALS_GENERIC[:1],
        ),
    ),
    "Marketing": _Track(
        (
            "Growth Marketer",
            "SEO Specialist",
            "Digital Marketing Manager",
            "Content Strategist",
            "Performance Marketer",
            "Brand Manager",
        ),
        "marketing",
        0.05,
        certs=("Google Ads Search Certification", "HubSpot Content Marketing Certification"),
        school="business_school",
        branches=(("BBA", 40), ("B.Com", 35), ("Economics", 25)),
        goals=("Grow my YouTube channel to 10k subscribers", *_GOALS_GENERIC[:2]),
    ),
    "Finance": _Track(
        (
            "Equity Research Analyst",
            "Chartered Accountant",
            "Investment Banking Analyst",
            "Financial Analyst",
            "Quant Researcher",
            "Wealth Advisor",
        ),
        "finance",
        0.05,
        certs=("CFA Level II", "Chartered Accountant (ICAI)", "NISM Series V-A"),
        school="business_school",
        branches=(("BBA", 40), ("B.Com", 35), ("Economics", 25)),
        goals=(
            "Start investing my salary sensibly",
            "Clear CFA Level I in {next_year}",
            *_GOALS_GENERIC[:1],
        ),
    ),
    "Soft Skills": _Track(
        ("Engineering Manager", "Leadership Coach", "Team Lead", "Corporate Trainer"),
        "edu",
        0.05,
        certs=("Toastmasters Competent Communicator", "ICF Associate Certified Coach"),
        goals=(
            "Speak up confidently in team meetings",
            "Give my first conference talk",
            *_GOALS_GENERIC[:1],
        ),
    ),
    "Languages": _Track(
        ("Language Tutor", "English Trainer", "Translator", "Communication Coach"),
        "edu",
        0.05,
        certs=("CELTA", "Goethe-Zertifikat C1", "JLPT N2", "DELF B2"),
        goals=("Hold a 10-minute conversation in {skill}", "Prepare for a move abroad next year"),
    ),
    "Mathematics": _Track(
        ("Math Tutor", "Quant Analyst", "Research Scholar", "Teaching Assistant"),
        "edu",
        0.3,
        goals=("Stop being scared of {skill} before my exams", *_GOALS_GENERIC[:2]),
        school="science_school",
        branches=(("Mathematics", 70), ("Statistics", 30)),
    ),
    "Science & Engineering": _Track(
        ("Mechanical Design Engineer", "Research Scholar", "Electrical Engineer", "CAE Analyst"),
        "hardware",
        0.3,
        certs=("Certified SolidWorks Associate (CSWA)",),
        branches=(
            ("Mechanical", 35),
            ("EE", 20),
            ("Civil", 15),
            ("Chemical", 15),
            ("Aerospace", 15),
        ),
    ),
    "Music & Arts": _Track(
        ("Music Producer", "Illustrator", "Photographer", "Video Editor", "Musician"),
        "studio",
        0.1,
        certs=("Trinity Grade 8 Piano", "ABRSM Grade 6 Guitar"),
        school="arts_school",
        branches=(("Fine Arts", 40), ("Music", 30), ("Film", 30)),
        goals=("Play my first full song on {skill}", *_GOALS_GENERIC[:2]),
    ),
    "Hardware & Embedded": _Track(
        (
            "Embedded Software Engineer",
            "Firmware Engineer",
            "VLSI Design Engineer",
            "Robotics Engineer",
            "IoT Developer",
        ),
        "hardware",
        0.3,
        sessions=_SESSION_CODE,
    ),
    "Game Development": _Track(
        (
            "Game Developer",
            "Unity Developer",
            "Gameplay Programmer",
            "Game Designer",
            "Technical Artist",
        ),
        "games",
        0.25,
        certs=("Unity Certified Programmer",),
        sessions=_SESSION_CODE,
        goals=("Ship a small game on itch.io", *_GOALS_GENERIC[:2]),
    ),
    "Testing & QA": _Track(
        ("SDET", "QA Engineer", "Automation Test Engineer", "QA Lead"),
        "tech",
        0.1,
        certs=("ISTQB Certified Tester Foundation Level",),
        sessions=_SESSION_CODE,
        goals=("Move from manual testing to automation", *_GOALS_GENERIC[:2]),
    ),
    "Blockchain": _Track(
        (
            "Blockchain Developer",
            "Smart Contract Engineer",
            "Web3 Developer",
            "Smart Contract Auditor",
        ),
        "web3",
        0.2,
        sessions=_SESSION_CODE,
    ),
}
GENERIC_TRACK = _Track(
    ("Consultant", "Specialist", "Freelancer"),
    "business",
    0.1,
    school="business_school",
    branches=(("BBA", 50), ("B.A.", 50)),
)

MENTOR_CATEGORIES = {
    "Programming Languages": 14,
    "Web Development": 14,
    "Computer Science Fundamentals": 12,
    "Data Science": 10,
    "Machine Learning & AI": 10,
    "Career": 8,
    "Cloud & DevOps": 8,
    "Higher Studies": 6,
    "Design": 6,
}
LEARNER_CATEGORIES = {**MENTOR_CATEGORIES, "Career": 10, "Higher Studies": 8}
OTHER_CATEGORY_WEIGHT = 1.5

STUDENT_YEARS = (("Final-year", 50), ("Pre-final year", 30), ("3rd-year", 20))
BRANCHES = (("CSE", 60), ("IT", 12), ("ECE", 15), ("EE", 6), ("Mechanical", 7))
MASTERS_SHARE = 0.12  # of engineering students: "M.Tech CSE at IIT Delhi"

INTRO_TEMPLATES = (
    "I'm {a} {role} at {org} with {exp}.",
    "{span} into my career, currently working as {a} {role} at {org}.",
    "I work as {a} {role} at {org} and have {exp} behind me.",
)
SKILL_TEMPLATES = (
    "I can help you with {skills}.",
    "I mostly mentor on {skills}.",
    "Ask me anything about {skills}.",
    "Happy to help with {skills} — from fundamentals to real-world projects.",
)
CLOSERS = (
    "I remember how confusing this was when I started, so no question is too basic.",
    "Expect honest feedback and a couple of resources to follow up with.",
    "I usually reply to booking requests within a few hours.",
)
CLOSERS_WORK = (
    *CLOSERS,
    "I also mentor juniors at work and love seeing people crack their first interview.",
)

REVIEW_TEXTS: dict[int, tuple[str, ...]] = {
    5: (
        "Explained {skill} with great examples",
        "Super clear, exactly what I needed",
        "Went through my {skill} doubts patiently — highly recommend",
        "Gave me a concrete plan for the next month",
        "Best 10 minutes I've spent this week!",
        "Very practical tips on {skill}",
        "Reviewed my code and spotted the bug in minutes",
        "Friendly and knows {skill} inside out",
        "Cleared concepts I'd been stuck on for weeks",
        "Great mentor, booking again next week",
    ),
    4: (
        "Helpful session, would book again",
        "Good explanation of {skill}, though we ran out of time",
        "Solid advice, a few links afterwards would have helped",
        "Useful pointers on {skill}",
        "Knowledgeable and kind, slightly short on time",
    ),
    3: (
        "A bit rushed but useful",
        "Okay session, mostly things I already knew",
        "Decent, but started a few minutes late",
        "The {skill} explanation was a bit fast for me",
    ),
    2: (
        "Felt generic, didn't really get to my question",
        "Connection issues and we lost half the time",
        "Expected more depth on {skill}",
    ),
    1: (
        "Mentor joined late and then rushed through everything",
        "Not helpful for my level",
    ),
}
STARS_GOOD = ((5, 58), (4, 28), (3, 9), (2, 4), (1, 1))
STARS_MIXED = ((5, 25), (4, 35), (3, 22), (2, 12), (1, 6))

PRICES = ((5000, 10), (7500, 12), (10000, 35), (15000, 15), (20000, 12), (30000, 9), (50000, 7))
LENGTHS = (((10,), 30), ((10, 20), 30), ((10, 30), 10), ((10, 20, 30), 30))
TEACH_LEVELS = (("advanced", 55), ("intermediate", 42), ("beginner", 3))
LEARN_LEVELS = (("beginner", 60), ("intermediate", 35), ("advanced", 5))

SHORT_SUFFIXES = (" Preparation", " Writing")


# --------------------------------------------------------------------------- helpers


def _w(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _distinct(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """Weighted sample of up to k distinct items."""
    pool, ws = list(items), list(weights)
    out: list[T] = []
    while pool and len(out) < k:
        i = rng.choices(range(len(pool)), weights=ws)[0]
        out.append(pool.pop(i))
        ws.pop(i)
    return out


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _ago(rng: random.Random, now: datetime, lo_days: float, hi_days: float) -> datetime:
    return (now - timedelta(seconds=rng.uniform(lo_days, hi_days) * 86400)).replace(microsecond=0)


def _article(word: str) -> str:
    head = word.split()[0].split("/")[0].rstrip("-0123456789")
    if head.isupper() and len(head) > 1:  # acronyms go by letter name: an SDE, a UX designer
        return "an" if head[0] in "AEFHILMNORSX" else "a"
    return "an" if head[:1].lower() in "aeio" else "a"


def _span(years: int) -> str:
    if years <= 0:
        return "a few months"
    return f"{years} year{'s' if years != 1 else ''}"


@dataclass
class _SkillInfo:
    id: int
    name: str
    short: str
    weight: float


@dataclass
class _Catalog:
    by_category: dict[str, list[_SkillInfo]]

    def pick(
        self, rng: random.Random, category: str, k: int, exclude: set[int]
    ) -> list[_SkillInfo]:
        cands = [s for s in self.by_category.get(category, []) if s.id not in exclude]
        return _distinct(rng, cands, [s.weight for s in cands], k)

    def category(self, rng: random.Random, preferred: dict[str, int]) -> str:
        cats = sorted(self.by_category)
        weights = [preferred.get(c, OTHER_CATEGORY_WEIGHT) for c in cats]
        return rng.choices(cats, weights=weights)[0]


def _short_name(name: str, aliases: Sequence[str]) -> str:
    if len(name) <= 14:
        return name
    for suffix in SHORT_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + (" Prep" if suffix == " Preparation" else "")
    for a in aliases:
        if a.isupper() and a.isalnum() and 3 <= len(a) <= 5:
            return a
    return name


async def _load_catalog(db: Database) -> _Catalog:
    taxonomy = load_taxonomy()
    rank: dict[str, int] = {}
    per_cat: dict[str, int] = defaultdict(int)
    for e in taxonomy:
        rank[skill_key(e.name)] = per_cat[e.category]
        per_cat[e.category] += 1
    async with db.transaction() as s:
        rows = list(await s.scalars(select(Skill).where(Skill.status == "approved")))
    by_category: dict[str, list[_SkillInfo]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.category, rank.get(r.key, 999), r.key)):
        weight = 1.0 / (1.0 + 0.12 * rank.get(row.key, 40))
        short = _short_name(row.name, row.aliases or ())
        by_category[row.category].append(_SkillInfo(row.id, row.name, short, weight))
    if not by_category:
        raise RuntimeError("no approved skills to seed with")
    return _Catalog(dict(by_category))


# --------------------------------------------------------------------------- people


@dataclass
class _Person:
    kind: str  # "mentor" | "learner"
    n: int
    name: str
    timezone: str
    languages: list[str]
    created_at: datetime
    learns: bool
    teaches: bool
    goals: str = ""
    teach: list[tuple[_SkillInfo, str]] = field(default_factory=list)
    learn: list[tuple[_SkillInfo, str]] = field(default_factory=list)
    windows: list[tuple[int, int, int]] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    quality: float = 1.0
    indian: bool = True
    colleges: tuple[str, ...] = ()


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, int] = defaultdict(int)

    def person(self) -> tuple[str, _Region, bool]:
        rng = self.rng
        indian = rng.random() >= INTERNATIONAL_SHARE
        regions = INDIAN if indian else INTERNATIONAL
        key = _w(rng, [(k, w) for k, (_r, w) in regions.items()])
        region = regions[key][0]
        name = ""
        for _ in range(6):  # duplicates happen, but rarely
            female = rng.random() < 0.45
            first = rng.choice(region.female if female else region.male)
            last = rng.choice(region.last)
            if key == "punjabi" and female and rng.random() < 0.4:
                last = "Kaur"
            name = f"{first} {last}"
            if self.used[name] == 0:
                break
        self.used[name] += 1
        return name, region, indian


def _valid_language(code: str) -> bool:
    try:
        return language_by_code(code) is not None
    except (KeyError, LookupError, ValueError):
        return False


def _languages(rng: random.Random, region: _Region, indian: bool) -> list[str]:
    codes: list[str] = []
    if rng.random() < region.english_p:
        codes.append("en")
    if indian and rng.random() < region.hindi_p:
        codes.append("hi")
    if region.language not in codes and rng.random() < region.language_p:
        codes.append(region.language)
    codes = [c for c in dict.fromkeys(codes) if _valid_language(c)]
    return codes or ["en"]


def _timezone(rng: random.Random, region: _Region, indian: bool) -> str:
    if indian:
        return INDIA_TZ if rng.random() >= DIASPORA_SHARE else _w(rng, DIASPORA_ZONES)
    return _w(rng, region.zones)


WINDOW_PATTERNS: tuple[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int], ...] = (
    # weekdays, start times (min), lengths (min), weight
    ((0, 1, 2, 3, 4), (18 * 60, 18 * 60 + 30, 19 * 60, 20 * 60), (120, 150, 180), 45),
    ((5, 6), (8 * 60, 9 * 60, 10 * 60), (120, 180), 25),
    ((0, 1, 2, 3, 4), (12 * 60 + 30, 13 * 60), (60,), 12),
    ((0, 1, 2, 3, 4), (6 * 60 + 30, 7 * 60), (60, 90), 6),
    ((5, 6), (14 * 60, 15 * 60, 16 * 60), (120, 180, 240), 10),
    ((0, 1, 2, 3, 4), (21 * 60 + 30,), (90, 120), 4),
)


def _windows(rng: random.Random) -> list[tuple[int, int, int]]:
    count = _w(rng, ((1, 30), (2, 40), (3, 30)))
    used: set[int] = set()
    out: list[tuple[int, int, int]] = []
    for _ in range(count):
        days, starts, lengths, _weight = _w(rng, [(p, p[3]) for p in WINDOW_PATTERNS])
        free = [d for d in days if d not in used]
        if not free:
            continue
        day = rng.choice(free)
        start = rng.choice(starts)
        end = min(start + rng.choice(lengths), 24 * 60)
        used.add(day)
        out.append((day, start, end))
    return sorted(out)


def _goals(rng: random.Random, track: _Track, skills: Sequence[_SkillInfo], now: datetime) -> str:
    """One or two goals; `skills` are the learner's skills in the track's category."""
    month = (now + timedelta(days=rng.randint(90, 180))).strftime("%B")
    parts = _distinct(rng, track.goals, [1.0] * len(track.goals), _w(rng, ((1, 70), (2, 30))))
    text = ". ".join(
        g.format(skill=rng.choice(skills).name, month=month, next_year=now.year + 1) for g in parts
    )
    return text + "."


def _skill_set(
    rng: random.Random,
    catalog: _Catalog,
    preferred: dict[str, int],
    count: int,
    *,
    career_p: float,
    stray_p: float,
    exclude: set[int] | None = None,
) -> tuple[str, list[_SkillInfo]]:
    taken = set(exclude or ())
    primary = catalog.category(rng, preferred)
    extra: list[_SkillInfo] = []
    if count > 1 and primary != "Career" and rng.random() < career_p:
        extra = catalog.pick(rng, "Career", 1, taken)
    elif count > 1 and rng.random() < stray_p:
        extra = catalog.pick(rng, catalog.category(rng, preferred), 1, taken)
    taken |= {s.id for s in extra}
    main = catalog.pick(rng, primary, count - len(extra), taken)
    return primary, (main + extra) or catalog.pick(rng, primary, 1, set(exclude or ()))


def _org(rng: random.Random, kind: str, indian: bool) -> str:
    if not indian and f"{kind}_intl" in ORGS:
        kind = f"{kind}_intl"
    return rng.choice(ORGS[kind])


def _mentor_profile(
    rng: random.Random,
    person: _Person,
    track: _Track,
    skills: Sequence[_SkillInfo],
    n: int,
    now: datetime,
) -> dict[str, Any]:
    student = rng.random() < track.student_share
    shown = [s.short for s in skills[: _w(rng, ((1, 35), (2, 65)))]]
    tag = " & ".join(shown)
    if student:
        if person.indian:
            college = rng.choice(ORGS[track.school])
        else:
            college = rng.choice(person.colleges or ORGS["grad"])
        years = rng.choice((0, 0, 1, 2))
        branch = _w(rng, track.branches or BRANCHES)
        if not track.branches and rng.random() < MASTERS_SHARE:
            degree = "M.Tech" if person.indian else "MS"
            headline = f"{degree} {branch} at {college}"
            intro = f"I'm doing my {degree} in {branch} at {college}"
        else:
            year = _w(rng, STUDENT_YEARS)
            headline = f"{year} {branch} at {college}"
            intro = f"I'm a {year.lower()} {branch} student at {college}"
        if rng.random() < 0.5:
            intro += f" and interned at {_org(rng, track.orgs, person.indian)} last summer."
        else:
            intro += "."
    else:
        role = rng.choice(track.roles)
        org = _org(rng, track.orgs, person.indian)
        years = min(track.max_years, max(0, round(rng.triangular(0, 15, 4))))
        if any(w in role for w in ("Senior", "Staff", "Lead", "Manager", "Architect")):
            years = max(years, rng.randint(5, 9))
        headline = f"{role} at {org}"
        span = _span(years)
        intro = rng.choice(INTRO_TEMPLATES).format(
            a=_article(role),
            role=role,
            org=org,
            exp=f"{span} of experience",
            span=span[0].upper() + span[1:],
        )
    headline = f"{headline} · {tag}"[:120]
    names = [s.name for s in skills]
    sentences = [intro, rng.choice(SKILL_TEMPLATES).format(skills=_join(names))]
    sentences.append(rng.choice(track.sessions))
    if rng.random() < 0.5:
        sentences.append(rng.choice(CLOSERS if student else CLOSERS_WORK))
    certs = ""
    if track.certs and rng.random() < (0.15 if student else 0.35):
        certs = "; ".join(
            _distinct(rng, track.certs, [1.0] * len(track.certs), _w(rng, ((1, 75), (2, 25))))
        )
    mode = _w(rng, (("paid", 75), ("free", 15), ("credits", 10)))
    price = 0
    if mode == "paid":
        price = _w(rng, PRICES)
        if student:
            price = min(price, 10000)
        elif years >= 8 and price < 15000 and rng.random() < 0.5:
            price = 15000 if rng.random() < 0.6 else 20000
    approved = rng.random() < 0.9
    if approved:
        created = _ago(rng, now, 20, 900)
        applied = created + timedelta(minutes=rng.randint(10, 3 * 24 * 60))
        decided: datetime | None = applied + timedelta(minutes=rng.randint(60, 4 * 24 * 60))
    else:
        created = _ago(rng, now, 0.5, 20)
        applied = created + timedelta(minutes=rng.randint(5, 180))
        applied = min(applied, now)
        decided = None
    person.created_at = created
    return {
        "headline": headline,
        "bio": " ".join(sentences),
        "years_experience": years,
        "certifications": certs,
        "intro_video_url": f"https://example.com/intro/{n}" if rng.random() < 0.25 else "",
        "price_minor": price,
        "currency": "INR",
        "price_mode": mode,
        "session_lengths": list(_w(rng, LENGTHS)),
        "status": "approved" if approved else "pending",
        "status_reason": "",
        "applied_at": applied,
        "decided_at": decided,
        "rating_sum": 0,
        "rating_count": 0,
        "sessions_completed": 0,
    }


def _plan(
    rng: random.Random, catalog: _Catalog, mentors: int, learners: int, now: datetime
) -> list[_Person]:
    names = _Names(rng)
    people: list[_Person] = []
    for i in range(mentors + learners):
        is_mentor = i < mentors
        n = i + 1 if is_mentor else i - mentors + 1
        name, region, indian = names.person()
        person = _Person(
            kind="mentor" if is_mentor else "learner",
            n=n,
            name=name,
            timezone=_timezone(rng, region, indian),
            languages=_languages(rng, region, indian),
            created_at=_ago(rng, now, 1, 400),
            learns=not is_mentor or rng.random() < 0.15,
            teaches=is_mentor,
            indian=indian,
            colleges=region.colleges,
        )
        taught: set[int] = set()
        if is_mentor:
            count = _w(rng, ((1, 20), (2, 35), (3, 30), (4, 15)))
            primary, skills = _skill_set(
                rng, catalog, MENTOR_CATEGORIES, count, career_p=0.3, stray_p=0.1
            )
            track = TRACKS.get(primary, GENERIC_TRACK)
            person.teach = [(s, _w(rng, TEACH_LEVELS)) for s in skills]
            person.profile = _mentor_profile(rng, person, track, skills, n, now)
            if person.profile["status"] == "approved" and person.profile["years_experience"] > 2:
                person.teach = [
                    (s, "advanced" if lv == "beginner" else lv) for s, lv in person.teach
                ]
            person.windows = _windows(rng)
            person.quality = 1.0 if rng.random() < 0.9 else 0.0
            taught = {s.id for s in skills}
        if person.learns:
            count = _w(rng, ((1, 40), (2, 40), (3, 20))) if not is_mentor else rng.randint(1, 2)
            primary, skills = _skill_set(
                rng,
                catalog,
                LEARNER_CATEGORIES,
                count,
                career_p=0.15,
                stray_p=0.25,
                exclude=taught,
            )
            skills = [s for s in skills if s.id not in taught]
            person.learns = bool(skills)
            person.learn = [(s, _w(rng, LEARN_LEVELS)) for s in skills]
            if skills:
                own = [s for s in skills if s in catalog.by_category.get(primary, ())]
                track = TRACKS.get(primary, GENERIC_TRACK)
                person.goals = _goals(rng, track, own or skills, now)
            if not is_mentor and rng.random() < 0.6:
                person.windows = _windows(rng)
        people.append(person)
    return people


def _reviews(
    rng: random.Random, people: list[_Person], now: datetime
) -> list[tuple[int, int, int, str, datetime]]:
    """(mentor index, author index, stars, text, created_at) for approved mentors."""
    authors = [i for i, p in enumerate(people) if p.learns]
    out: list[tuple[int, int, int, str, datetime]] = []
    window_start = now - timedelta(days=120)
    for mi, mentor in enumerate(people):
        prof = mentor.profile
        if prof is None or prof["status"] != "approved":
            continue
        if not authors or rng.random() >= 0.7:
            prof["sessions_completed"] = rng.randint(0, 3)
            continue
        want = 1 + min(24, int(rng.expovariate(1 / 5)))
        pool = [a for a in authors if a != mi]
        picked = rng.sample(pool, min(want, len(pool)))
        stars_table = STARS_GOOD if mentor.quality else STARS_MIXED
        total = count = 0
        for ai in picked:
            lo = max(window_start, prof["decided_at"], people[ai].created_at)
            if lo >= now - timedelta(minutes=30):
                continue
            stars = _w(rng, stars_table)
            text = ""
            if rng.random() < 0.85:
                skill = rng.choice(mentor.teach)[0]
                text = rng.choice(REVIEW_TEXTS[stars]).format(skill=skill.name)
            when = (lo + (now - lo) * rng.random()).replace(microsecond=0)
            out.append((mi, ai, stars, text, min(when, now)))
            total += stars
            count += 1
        prof["rating_sum"], prof["rating_count"] = total, count
        prof["sessions_completed"] = count + rng.randint(0, count) + rng.randint(0, 3)
    return out


# --------------------------------------------------------------------------- entry point


async def seed(
    db: Database, *, mentors: int, learners: int, seed: int = 7, now: datetime
) -> SeedReport:
    """Insert `mentors` mentors and `learners` learners with reviews; see module docstring."""
    if mentors < 0 or learners < 0:
        raise ValueError("counts must be non-negative")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    async with db.transaction() as s:
        await sync_taxonomy(s, load_taxonomy(), now)
        clash = await s.scalar(
            select(func.count())
            .select_from(Account)
            .where(
                Account.platform == PLATFORM,
                Account.workspace == WORKSPACE,
                Account.external_id.like(f"seed-%-{seed}"),
            )
        )
    if clash:
        raise ValueError(f"this database already holds people seeded with seed={seed}")

    catalog = await _load_catalog(db)
    rng = random.Random(seed)
    people = _plan(rng, catalog, mentors, learners, now)
    reviews = _reviews(rng, people, now)

    async with db.transaction() as s:
        users = [
            User(
                display_name=p.name,
                created_at=p.created_at,
                is_admin=False,
                wants_to_learn=p.learns,
                wants_to_mentor=p.teaches,
                onboarded=True,
                timezone=p.timezone,
                goals=p.goals,
            )
            for p in people
        ]
        s.add_all(users)
        await s.flush()
        accounts = [
            Account(
                user_id=u.id,
                platform=PLATFORM,
                workspace=WORKSPACE,
                external_id=f"seed-{p.kind}-{p.n:05d}-{seed}",
                display_name=p.name,
                created_at=p.created_at,
                unreachable=True,
            )
            for p, u in zip(people, users, strict=True)
        ]
        s.add_all(accounts)
        await s.flush()
        for u, a in zip(users, accounts, strict=True):
            u.primary_account_id = a.id
        await s.flush()

        ids = [u.id for u in users]
        skill_rows = [
            {"user_id": ids[i], "skill_id": sk.id, "kind": kind, "level": level}
            for i, p in enumerate(people)
            for kind, pairs in (("teach", p.teach), ("learn", p.learn))
            for sk, level in pairs
        ]
        lang_rows = [
            {"user_id": ids[i], "code": code} for i, p in enumerate(people) for code in p.languages
        ]
        window_rows = [
            {"user_id": ids[i], "weekday": d, "start_min": a, "end_min": b}
            for i, p in enumerate(people)
            for d, a, b in p.windows
        ]
        profile_rows = [
            {"user_id": ids[i], **p.profile} for i, p in enumerate(people) if p.profile is not None
        ]
        review_rows = [
            {
                "mentor_id": ids[mi],
                "author_id": ids[ai],
                "stars": stars,
                "text": text,
                "created_at": when,
            }
            for mi, ai, stars, text, when in reviews
        ]
        for model, rows in (
            (UserSkill, skill_rows),
            (UserLanguage, lang_rows),
            (AvailabilityWindow, window_rows),
            (MentorProfile, profile_rows),
            (Review, review_rows),
        ):
            if rows:
                await s.execute(insert(model), rows)

    return SeedReport(
        mentors=mentors,
        learners=learners,
        reviews=len(reviews),
        pending=sum(1 for r in profile_rows if r["status"] == "pending"),
    )
