"""The fixed cast of a generated site: its name, users, terms, pages, venues and time span.

Kept apart from :mod:`demo.generate` so the data reads as a table, not as code. Names carry what
real sites have: HTML-escaped ``&amp;`` (stored so by WordPress), accents, CJK and RTL scripts.
"""

from __future__ import annotations

from datetime import datetime

START = datetime(2021, 1, 4, 8, 0, 0)
END = datetime(2024, 12, 20, 18, 0, 0)
LAST_EDIT = datetime(2025, 3, 31, 12, 0, 0)
SITE_NAME = "The Riverside Chronicle"
SITE_DESCRIPTION = "News, culture &amp; science from the river city"

# (slug, display name as stored, url, description)
USERS = [
    ("admin", "Site Admin", "", ""),
    ("liwei", "Li Wei 李伟", "https://example.com/staff/liwei", "Li Wei 李伟 writes about housing reform and lives in İstanbul."),
    ("amelie", "Amélie Dubois", "https://example.com/staff/amelie", "Culture editor. Café regular."),
    ("jmoneil", "John O'Neil", "", "Covers the city council."),
    ("fatima", "Fatima Al-Sayed", "https://example.org/~fatima", "Science &amp; health reporter."),
    ("mkowalski", "Michał Kowalski", "", ""),
    ("sofia", "Sofía Pérez", "https://example.com/staff/sofia", "Photographer."),
    ("desk", "News &amp; Views Desk", "", "Shared account of the news desk."),
]  # fmt: skip
# (name as stored, parent name, description)
CATEGORIES = [
    ("Uncategorized", None, ""),
    ("News &amp; Events", None, "What happens in the river city."),
    ("Local", "News &amp; Events", ""),
    ("World", "News &amp; Events", ""),
    ("Science &amp; Health", None, "Research, medicine and the environment."),
    ("Space", "Science &amp; Health", ""),
    ("Medicine", "Science &amp; Health", ""),
    ("Culture", None, ""),
    ("Music", "Culture", "Concerts, albums &amp; festivals."),
    ("Film", "Culture", ""),
    ("Books", "Culture", ""),
    ("Opinion", None, ""),
    ("Technology", None, ""),
    ("AI &amp; Data", "Technology", ""),
]
# (name as stored, slug) for tags whose slug is not slugify(name)
SPECIAL_TAGS = [
    ("élections", "elections"),
    ("Rock &amp; Roll", "rock-roll"),
    ("李伟", "%e6%9d%8e%e4%bc%9f"),
    ("COVID-19", "covid-19"),
    ("open data", "open-data"),
]
PAGES = [
    ("Sample Page", None),
    ("About us", None),
    ("Our team", "About us"),
    ("Jobs", "About us"),
    ("Advertise with us", "About us"),
    ("Contact", None),
    ("Privacy Policy", None),
    ("Newsletter", None),
    ("Events calendar", None),
]
VENUES = [
    "Harbour Hall",
    "The Old Library",
    "Riverside Park Stage",
    "Café Zürich",
    "Jazzkeller",
    "City Museum",
    "Tram Depot",
    "Kraków Club",
]
GUESTS = (
    "A WordPress Commenter",
    "Jane",
    "Marco R.",
    "Ólafur",
    "anon",
    "Priya",
    "Tomás",
    "Kim & Lee",
    "Zoë",
    "reader1984",
)
TAG_WORDS = (
    "housing transport climate budget jazz football tram library harbour festival schools "
    "bakeries council museum research cycling weather hospital archive startups privacy "
    "elections-2024 film books opinion photography summer winter interview readers data river "
    "parks concerts theatre food markets"
)
# Image sub-sizes in the order WordPress creates them (medium first), with their widths.
SUB_SIZES = (
    ("medium", 300),
    ("large", 1024),
    ("thumbnail", 150),
    ("medium_large", 768),
    ("1536x1536", 1536),
    ("2048x2048", 2048),
)
AUTHORS = (2, 2, 3, 4, 4, 5, 6, 7, 8)  # user ids, weighted
# taxonomy -> (its REST base, the REST base of the post type it belongs to)
TAXONOMY_BASES = {
    "category": ("categories", "posts"),
    "post_tag": ("tags", "posts"),
    "venue": ("venues", "events"),
}
FORMATS = ["standard"] * 18 + ["video", "gallery", "aside", "quote"]
