"""Fixed vocabularies of the generator: names, countries, product catalogue, URLs, campaigns, firmographics.

Everything here is a small constant list; tables refer to it by integer code and are written as
dictionary-encoded strings. Country values are all valid ISO 3166-1 alpha-2 / alpha-3 codes, ISO English
short names or aliases of ``seeds/reference/country_codes.csv`` / ``country_aliases.csv`` (a test checks it).
"""

from __future__ import annotations

import numpy as np


def _words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of ``text``."""
    return tuple(text.split())


FIRST_NAMES = _words(
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan "
    "joseph jessica thomas sarah charles karen daniel lisa matthew nancy anthony sandra mark ashley "
    "paul emily steven donna andrew michelle joshua carol kevin amanda brian melissa george deborah "
    "lukas anna leon sophie noah emma louis chloe hugo lea luca giulia mateo lucia oliver amelia "
    "liam olivia lars ingrid jan eva pieter sanne sean aoife"
)
LAST_NAMES = _words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez "
    "wilson anderson thomas taylor moore jackson martin lee thompson white harris clark lewis robinson "
    "walker young allen king wright scott green baker adams nelson hill campbell mitchell roberts "
    "mueller schmidt schneider fischer weber meyer wagner becker dubois moreau laurent bernard rossi "
    "russo ferrari esposito bianchi jansen devries bakker visser murphy kelly walsh byrne larsen "
    "nielsen hansen andersson johansson nowak kowalski silva santos costa"
)
EMAIL_DOMAINS = _words(
    "gmail.com yahoo.com outlook.com hotmail.com icloud.com gmx.de web.de orange.fr proton.me mail.com"
)
GENDERS = ("female", "male", "Female", "Male", "F", "M", "non-binary", "diverse")
GENDER_WEIGHTS = np.array([0.30, 0.30, 0.12, 0.12, 0.06, 0.06, 0.02, 0.02])

#: (alpha-2, alpha-3, ISO English short name, alias or "", weight, cities, phone prefix)
COUNTRIES = (
    ("GB", "GBR", "United Kingdom", "UK", 0.28, ("London", "Manchester", "Leeds", "Bristol"), "+44"),
    ("US", "USA", "United States", "U.S.", 0.14, ("New York", "Chicago", "Austin", "Seattle"), "+1"),
    ("DE", "DEU", "Germany", "Deutschland", 0.10, ("Berlin", "Hamburg", "Munich", "Cologne"), "+49"),
    ("FR", "FRA", "France", "", 0.07, ("Paris", "Lyon", "Marseille"), "+33"),
    ("NL", "NLD", "Netherlands", "Holland", 0.05, ("Amsterdam", "Rotterdam", "Utrecht"), "+31"),
    ("IE", "IRL", "Ireland", "EIRE", 0.03, ("Dublin", "Cork"), "+353"),
    ("ES", "ESP", "Spain", "", 0.04, ("Madrid", "Barcelona", "Valencia"), "+34"),
    ("IT", "ITA", "Italy", "", 0.04, ("Rome", "Milan", "Turin"), "+39"),
    ("SE", "SWE", "Sweden", "", 0.02, ("Stockholm", "Gothenburg"), "+46"),
    ("NO", "NOR", "Norway", "", 0.02, ("Oslo", "Bergen"), "+47"),
    ("DK", "DNK", "Denmark", "", 0.02, ("Copenhagen", "Aarhus"), "+45"),
    ("BE", "BEL", "Belgium", "", 0.02, ("Brussels", "Antwerp"), "+32"),
    ("CH", "CHE", "Switzerland", "", 0.02, ("Zurich", "Geneva"), "+41"),
    ("AT", "AUT", "Austria", "", 0.015, ("Vienna", "Graz"), "+43"),
    ("PL", "POL", "Poland", "", 0.02, ("Warsaw", "Krakow"), "+48"),
    ("PT", "PRT", "Portugal", "", 0.015, ("Lisbon", "Porto"), "+351"),
    ("FI", "FIN", "Finland", "", 0.01, ("Helsinki",), "+358"),
    ("CA", "CAN", "Canada", "", 0.03, ("Toronto", "Vancouver", "Montreal"), "+1"),
    ("AU", "AUS", "Australia", "", 0.025, ("Sydney", "Melbourne"), "+61"),
    ("JP", "JPN", "Japan", "", 0.015, ("Tokyo", "Osaka"), "+81"),
    ("BR", "BRA", "Brazil", "", 0.01, ("Sao Paulo", "Rio de Janeiro"), "+55"),
    ("IN", "IND", "India", "", 0.01, ("Mumbai", "Bangalore"), "+91"),
    ("ZA", "ZAF", "South Africa", "RSA", 0.01, ("Cape Town", "Johannesburg"), "+27"),
    ("SG", "SGP", "Singapore", "", 0.01, ("Singapore",), "+65"),
    ("MX", "MEX", "Mexico", "", 0.01, ("Mexico City", "Guadalajara"), "+52"),
)
COUNTRY_WEIGHTS = np.array([c[4] for c in COUNTRIES])
#: How a valid country is written: alpha-2, alpha-3, English name, alias, lowercased alpha-2 / name.
COUNTRY_STYLES = ("alpha2", "alpha3", "name", "alias", "lower_alpha2", "lower_name")
COUNTRY_STYLE_WEIGHTS = np.array([0.62, 0.12, 0.12, 0.06, 0.04, 0.04])
#: Country values that must stay unknown (planted defect ``unknown_country_code``).
UNKNOWN_COUNTRIES = ("XX", "Atlantis", "ZZ", "Narnia", "QQQ")


def country_value_vocabulary() -> list[str]:
    """Every (country, style) spelling, indexed ``country * len(COUNTRY_STYLES) + style``."""
    out: list[str] = []
    for a2, a3, name, alias, *_ in COUNTRIES:
        out += [a2, a3, name, alias or name, a2.lower(), name.lower()]
    return out


def draw_countries(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` country indices (into COUNTRIES) by COUNTRY_WEIGHTS."""
    return rng.choice(len(COUNTRIES), size=n, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())


def country_spellings(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    """Codes into ``country_value_vocabulary`` writing each country in a random valid style."""
    style = rng.choice(len(COUNTRY_STYLES), size=len(country), p=COUNTRY_STYLE_WEIGHTS)
    has_alias = np.array([bool(c[3]) for c in COUNTRIES])
    style = np.where((style == COUNTRY_STYLES.index("alias")) & ~has_alias[country], 2, style)
    return country * len(COUNTRY_STYLES) + style


def city_vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All cities, and per country the first city index and the number of cities."""
    cities: list[str] = []
    first, count = [], []
    for c in COUNTRIES:
        first.append(len(cities))
        count.append(len(c[5]))
        cities += list(c[5])
    return cities, np.array(first), np.array(count)


# ---- products ---------------------------------------------------------------------------------

CATEGORIES = ("electronics", "fashion", "home_garden", "beauty", "sports", "books", "toys", "grocery")
#: Median unit price (EUR) per category; products are log-normal around it.
CATEGORY_MEDIAN_PRICE = np.array([120.0, 45.0, 35.0, 22.0, 40.0, 15.0, 25.0, 8.0])
PRODUCTS_PER_CATEGORY = 100


def product_catalogue() -> tuple[np.ndarray, np.ndarray]:
    """Fixed catalogue: product number (``category * 1000 + k``) and base price in cents, shape (8, 100).

    Within a category products are sorted by price, so a quantile in [0, 1) picks a price tier.
    """
    rng = np.random.default_rng(20240701)
    k = PRODUCTS_PER_CATEGORY
    prices = CATEGORY_MEDIAN_PRICE[:, None] * np.exp(rng.normal(0.0, 0.6, size=(len(CATEGORIES), k)))
    prices = np.sort(np.round(prices, 1) * 100, axis=1).astype(np.int64)  # whole 10 cents
    prices = np.maximum(prices, 50)
    numbers = np.arange(len(CATEGORIES))[:, None] * 1000 + np.arange(k)[None, :]
    return numbers, prices


def product_ids() -> list[str]:
    """Product ids of the catalogue in product-number order (``P`` + 5 digits)."""
    numbers, _ = product_catalogue()
    return [f"P{n:05d}" for n in numbers.reshape(-1)]


# ---- web ---------------------------------------------------------------------------------------

WEB_EVENT_TYPES = (
    "page_view",
    "product_view",
    "add_to_cart",
    "checkout",
    "search",
    "video_play",
    "form_submit",
)
DEVICE_TYPES = ("desktop", "mobile", "tablet")
SEARCH_TERMS = _words(
    "sale shoes headphones dress sofa lipstick yoga+mat novel lego coffee discount black+friday "
    "gift+ideas cheap+laptop winter+jacket toys+under+20 clearance outlet bundle vouchers"
)
SHOP = "https://shop.example.com"
B2B = "https://www.example-b2b.com"
B2B_PAGES = (
    "/",
    "/pricing",
    "/product",
    "/demo",
    "/customers",
    "/blog/data-quality",
    "/blog/segmentation",
    "/whitepaper",
    "/webinar",
    "/contact",
)


def url_vocabulary() -> tuple[list[str], dict[str, int]]:
    """All page URLs and the index of the first URL of each kind (home, category, product, ...)."""
    urls = [f"{SHOP}/"]
    first = {"home": 0, "category": len(urls)}
    urls += [f"{SHOP}/c/{c}" for c in CATEGORIES]
    first["product"] = len(urls)
    urls += [f"{SHOP}/p/{p}" for p in product_ids()]
    first["search"] = len(urls)
    urls += [f"{SHOP}/search?q={t}" for t in SEARCH_TERMS]
    first["cart"] = len(urls)
    urls += [f"{SHOP}/cart", f"{SHOP}/checkout", f"{SHOP}/videos/new-season", f"{SHOP}/newsletter"]
    first["b2b"] = len(urls)
    urls += [f"{B2B}{p}" for p in B2B_PAGES]
    return urls, first


#: utm combinations (source, medium, campaign); index 0 is direct traffic (all null).
UTM = (
    (None, None, None),
    ("google", "cpc", "brand_search"),
    ("google", "cpc", "generic_search"),
    ("newsletter", "email", "weekly_newsletter"),
    ("facebook", "paid_social", "retargeting"),
    ("instagram", "paid_social", "new_collection"),
    ("google", "cpc", "holiday_deals"),
    ("pricecompare", "affiliate", "deals"),
    ("linkedin", "paid_social", "b2b_demand_gen"),
    ("google", "cpc", "b2b_search"),
    ("partner", "referral", "partner_program"),
)


def utm_vocabularies() -> tuple[list[list[str]], np.ndarray]:
    """Per utm column its vocabulary, and the (combination x column) code matrix (-1 = null)."""
    vocab: list[list[str]] = [[], [], []]
    codes = np.full((len(UTM), 3), -1, dtype=np.int32)
    for i, combo in enumerate(UTM):
        for j, value in enumerate(combo):
            if value is not None:
                if value not in vocab[j]:
                    vocab[j].append(value)
                codes[i, j] = vocab[j].index(value)
    return vocab, codes


# ---- email -------------------------------------------------------------------------------------

EMAIL_EVENT_TYPES = ("sent", "delivered", "open", "click", "bounce", "unsubscribe", "complaint")
NURTURE_CAMPAIGNS = tuple(f"B2B-NURTURE-{k:02d}" for k in range(1, 7))

# ---- crm ---------------------------------------------------------------------------------------

INTERESTS = (
    "technology",
    "fashion",
    "home & garden",
    "deals & discounts",
    "sports & outdoors",
    "beauty",
    "books",
)
CONSENT_PURPOSES = ("email_marketing", "ad_targeting", "profiling")
SUBJECT_TYPES = ("customer", "lead")
ORDER_STATUSES = ("completed", "cancelled", "returned")
CHANNELS = ("web", "app", "store")

# ---- firmographics -----------------------------------------------------------------------------

#: Canonical sector -> free-text industry spellings found in the accounts file.
INDUSTRY_VARIANTS: dict[str, tuple[str, ...]] = {
    "software": ("Software", "software & IT", "IT Services", "SaaS", "Computer Software"),
    "financial_services": ("Banking", "Fin. services", "Financial Services", "Insurance", "FinTech"),
    "healthcare": ("Healthcare", "Hospital & Health Care", "Pharmaceuticals", "health care"),
    "manufacturing": ("Manufacturing", "Industrial Automation", "Mfg.", "Automotive"),
    "retail": ("Retail", "E-commerce", "Consumer Goods", "retail & wholesale"),
    "education": ("Education", "Higher Education", "E-Learning", "edu"),
    "government": ("Government", "Public Sector", "Government Administration", "gov"),
    "media": ("Media", "Marketing & Advertising", "Publishing", "Entertainment"),
    "telecommunications": ("Telecommunications", "Telecom", "telco", "Wireless"),
    "energy": ("Energy", "Oil & Energy", "Utilities", "Renewables"),
}
SECTORS = tuple(INDUSTRY_VARIANTS)
SECTOR_WEIGHTS = np.array([0.2, 0.12, 0.1, 0.12, 0.1, 0.06, 0.05, 0.09, 0.06, 0.1])

COMPANY_PREFIXES = _words(
    "Nord Blue Apex Quantum Silver Green Iron Bright Red Summit Atlas Nova Vertex Polar Cedar Orbit "
    "Harbor Pioneer Crystal Falcon"
)
COMPANY_WORDS = _words("Systems Labs Solutions Analytics Works Dynamics Logistics Health Capital Media")
COMPANY_LEGAL = ("Inc", "Ltd", "GmbH", "AG", "BV", "SA", "LLC", "plc")
DOMAIN_TLDS = ("com", "io", "de", "co.uk", "net")

#: Seniority levels of B2B job titles, lowest first. A title's level is the first pattern that matches,
#: checked from ``c_level`` down to ``junior``; titles matching none are ``individual``.
SENIORITIES = ("junior", "individual", "senior", "manager", "director", "vp", "c_level")
SENIORITY_PATTERNS: dict[str, str] = {
    "c_level": r"\b(chief|ceo|cto|cmo|cfo|coo|cio|founder|co-founder)\b",
    "vp": r"\b(vp|svp|evp|vice president)\b",
    "director": r"\b(director|head of)\b",
    "manager": r"\bmanager\b",
    "senior": r"\b(senior|sr\.?|lead|principal)\b",
    "junior": r"\b(intern|junior|jr\.?|trainee|assistant)\b",
}
SENIORITY_WEIGHTS = np.array([0.10, 0.30, 0.18, 0.18, 0.11, 0.07, 0.06])
FUNCTIONS = ("Marketing", "Sales", "Engineering", "Data", "Finance", "Operations", "Product", "IT", "HR")
#: Title templates per seniority; ``{f}`` is a function from FUNCTIONS.
TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "junior": (
        "{f} Intern",
        "Junior {f} Analyst",
        "{f} Assistant",
        "Trainee {f} Specialist",
        "jr. {f} analyst",
    ),
    "individual": ("{f} Specialist", "{f} Analyst", "{f} Engineer", "{f} Consultant", "{f} Coordinator"),
    "senior": (
        "Senior {f} Engineer",
        "Sr. {f} Analyst",
        "Lead {f} Specialist",
        "Principal {f} Engineer",
        "senior {f} consultant",
    ),
    "manager": ("{f} Manager", "Manager, {f}", "Senior {f} Manager", "{f} Operations Manager"),
    "director": ("Director of {f}", "{f} Director", "Head of {f}", "Senior Director, {f}"),
    "vp": ("VP of {f}", "Vice President, {f}", "VP {f}", "SVP {f}", "vp, {f}"),
    "c_level": ("Chief {f} Officer", "CEO", "CTO", "CMO", "CFO", "COO", "Founder & CEO", "Co-Founder"),
}
LEAD_SOURCES = (
    "referral",
    "webinar",
    "content_download",
    "organic_search",
    "paid_search",
    "trade_show",
    "outbound",
)
LEAD_SOURCE_WEIGHTS = np.array([0.08, 0.14, 0.14, 0.18, 0.2, 0.08, 0.18])
LEAD_STATUSES = ("converted", "lost", "disqualified", "nurturing", "open", "contacted", "qualified")
