"""Listing text for the demo county: summaries, descriptions and what prices include.

Sentences are picked and filled from pools for each kind of provider, so no
two listings read alike and each says what a real one would: experience,
training, approach, transport, languages and practicalities.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field


def natural_join(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass
class ListingFacts:
    """What the text may mention; names are as people read them ('older people')."""

    name: str
    town: str
    locality: str
    services: list[str]
    client_groups: list[str]
    specialisms: list[str]
    languages: list[str]  # besides English
    years: int
    drives: bool = False
    travel_radius_miles: int | None = None
    days_phrase: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _lower_groups(facts: ListingFacts) -> str:
    return natural_join([group.lower() for group in facts.client_groups[:3]]) or "adults"


def _people_phrase(facts: ListingFacts) -> str:
    groups = [group.lower() for group in facts.client_groups[:3]]
    phrases = {
        "older people": "older people",
        "learning disability": "people with a learning disability",
        "physical disability": "people with a physical disability",
        "mental health": "people with mental health needs",
        "sensory impairment": "people with sight or hearing loss",
        "autism": "autistic people",
        "carers": "carers",
    }
    return natural_join([phrases.get(group, group) for group in groups]) or "adults"


def _truncate(text: str, limit: int = 300) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"


# --- Personal assistants ---------------------------------------------------------------------------

PA_SUMMARIES = (
    "Experienced personal assistant in {town}, supporting {people}.",
    "Friendly, reliable PA with {years} years' experience; I support {people} around {town}.",
    "Self-employed personal assistant covering {town} and nearby villages{specialism_clause}.",
    "I help {people} live the way they choose, at home and out and about in {locality}.",
    "Caring and patient PA based in {town}{specialism_clause}.",
    "Personal assistant with {years} years in social care, working with {people}.",
)
PA_INTRODUCTIONS = (
    "I have worked in care for {years} years, first in a care home and now as a self-employed personal assistant.",
    "I became a PA after caring for my mum, and I have supported people in {locality} for {years} years since.",
    "Before working as a personal assistant I spent several years as a healthcare assistant at the hospital.",
    "I am a retired nurse and now work part-time as a PA because I still love this work.",
    "I have been a personal assistant for {years} years and have supported most of the same people throughout.",
    "I worked for a home care agency for some years, and went self-employed so I could give people more time.",
    "I came to care work from retail {years} years ago and have never looked back.",
    "I live in {town} and work as a PA alongside studying for a nursing degree.",
)
PA_SERVICE_SENTENCES = (
    "I can help with {services}.",
    "The support I offer includes {services}.",
    "Most of my work is {first_service}, and I also offer {other_services}.",
)
PA_TRAINING = (
    "I have completed the Care Certificate and hold a Level 2 Diploma in Health and Social Care.",
    "I hold a Level 3 Diploma in Adult Care and keep my first aid training up to date.",
    "My moving and handling, first aid and safeguarding training are all current.",
    "I have had training in {specialisms}, and I am always happy to learn what works for you.",
    "I have experience of {specialisms}.",
    "I have cared for people who need support with {specialisms}, and I know how much routine matters.",
)
PA_APPROACH = (
    "I believe in helping people do as much as they can for themselves.",
    "I am calm, patient and a good listener, and I like to get to know the people I support and their families.",
    "I am reliable and punctual, and I always let you know well in advance if anything changes.",
    "I enjoy cooking, gardening and a good chat, and I am happy to join in with your hobbies.",
    "Your support plan is yours: I will work the way that suits you, not the other way round.",
    "I am cheerful and practical, and I treat everyone with dignity and respect.",
    "Many of the people I support have become friends, and families tell me they can relax knowing I'm there.",
)
PA_DRIVER = (
    "I drive and have business insurance, so I can take you to appointments, the shops or out for the day.",
    "I have my own car with business cover and am happy to drive within about {radius} miles of {town}.",
)
PA_NON_DRIVER = (
    "I don't drive, but I know the bus routes around {town} well and am happy to travel with you.",
    "I travel by bus and bike, so I mainly work within walking distance of {town}.",
)
PA_PRACTICAL = (
    "I have an enhanced DBS check on the DBS Update Service, and public liability insurance.",
    "I am registered as self-employed with HMRC and hold public liability insurance.",
    "I can provide references from the people I support (or their families) on request.",
    "I am happy to meet you first for a chat, with no obligation either way.",
    "I can work with your payroll service if you would prefer to employ me directly.",
)
PA_LANGUAGES = (
    "I speak {languages} as well as English.",
    "As well as English I speak {languages}, which some of the families I work with find really helpful.",
)
PA_AVAILABILITY = (
    "At the moment I have a few hours free {days}.",
    "I can usually offer regular hours {days}.",
    "I have some space for new clients {days}; please get in touch to talk it through.",
)


def pa_summary(rng: random.Random, facts: ListingFacts) -> str:
    specialism_clause = f", experienced in {facts.specialisms[0].lower()}" if facts.specialisms else ""
    template = rng.choice(PA_SUMMARIES)
    return _truncate(
        template.format(
            town=facts.town,
            locality=facts.locality,
            years=facts.years,
            people=_people_phrase(facts),
            specialism_clause=specialism_clause,
        )
    )


def pa_description(rng: random.Random, facts: ListingFacts) -> str:
    services = [service.lower() for service in facts.services]
    context = {
        "town": facts.town,
        "locality": facts.locality,
        "years": facts.years,
        "services": natural_join(services),
        "first_service": services[0] if services else "personal care",
        "other_services": natural_join(services[1:]) or "everyday tasks around the home",
        "specialisms": natural_join([term.lower() for term in facts.specialisms[:3]]),
        "radius": facts.travel_radius_miles or 10,
        "languages": natural_join(facts.languages),
        "days": facts.days_phrase or "during the week",
    }
    training_pool = PA_TRAINING if facts.specialisms else PA_TRAINING[:3]
    service_pool = PA_SERVICE_SENTENCES if len(services) > 1 else PA_SERVICE_SENTENCES[:2]
    sentences = [
        rng.choice(PA_INTRODUCTIONS),
        rng.choice(service_pool),
        rng.choice(training_pool),
        *rng.sample(PA_APPROACH, rng.randint(1, 2)),
        rng.choice(PA_DRIVER if facts.drives else PA_NON_DRIVER),
    ]
    if facts.languages:
        sentences.append(rng.choice(PA_LANGUAGES))
    if rng.random() < 0.6:
        sentences.append(rng.choice(PA_PRACTICAL))
    if facts.days_phrase and rng.random() < 0.5:
        sentences.append(rng.choice(PA_AVAILABILITY))
    paragraphs = [" ".join(sentences[:3]), " ".join(sentences[3:])]
    return "\n\n".join(paragraph.format(**context) for paragraph in paragraphs if paragraph)


# --- Micro-providers and home care agencies --------------------------------------------------------

ORGANISATION_SUMMARIES = {
    "micro_provider": (
        "A small, local team in {town} offering {first_service} and more for {people}.",
        "Family-run support in {locality}: the same small team every visit.",
        "Flexible support at home and in the community for {people} around {town}.",
        "We are a micro-provider of {team_size} support workers serving {locality}.",
        "Person-centred care and support in {town} and surrounding villages{specialism_clause}.",
    ),
    "home_care_agency": (
        "Home care across {locality}, seven days a week, for {people}.",
        "CQC-registered home care agency in {town} offering {first_service} and {second_service}.",
        "Domiciliary care for {people} in {town} and the surrounding area{specialism_clause}.",
        "Visits from 30 minutes to live-in support, across {locality} and neighbouring areas.",
        "Trusted home care in {town} since {founded}, with trained, supervised care workers.",
    ),
}
ORGANISATION_INTRODUCTIONS = {
    "micro_provider": (
        "{name} was set up in {founded} by {founder}, who spent years as a care worker and wanted to do it "
        "differently.",
        "We are a team of {team_size} support workers based in {town}, and we only take on as many people as we "
        "can support well.",
        "{name} is a small community business. Our team all live locally, so we know {locality} and its "
        "villages well.",
        "We started as two friends supporting neighbours in {town} and have grown, slowly, to a team of {team_size}.",
    ),
    "home_care_agency": (
        "{name} has provided home care in {locality} since {founded}.",
        "We are a home care agency registered with the Care Quality Commission, with an office in {town}.",
        "Founded in {founded}, {name} now employs around {team_size} care workers across {locality}.",
        "We are a locally owned home care agency with a registered manager and a 24-hour on-call service.",
    ),
}
ORGANISATION_SERVICE_SENTENCES = (
    "We offer {services}.",
    "Our support includes {services}.",
    "Most of our work is {first_service}; we also offer {other_services}.",
)
ORGANISATION_QUALITY = (
    "Every member of the team has an enhanced DBS check, induction to the Care Certificate standards and "
    "regular supervision.",
    "All our staff complete moving and handling, medication and safeguarding training, refreshed every year.",
    "We match people with a small, consistent team, and introduce new workers before their first visit.",
    "Care plans are written with you and reviewed at least every six months, or sooner if your needs change.",
    "We use an electronic care record, so families can see (with permission) what happened at each visit.",
    "Our team has experience of {specialisms}, and we arrange extra training when someone needs it.",
    "A senior carer or manager spot-checks visits and asks people regularly how their support is going.",
)
ORGANISATION_PRACTICAL = (
    "We take direct payments and self-funders, and can invoice your payroll or managed account provider.",
    "We cover {localities}.",
    "We can usually start new packages within two weeks.",
    "Our office is open Monday to Friday, 9am to 5pm, with an on-call manager out of hours.",
    "We are happy to visit you first to talk about what you need, at no cost.",
    "We ask for four weeks' notice to end a package, and can be flexible when plans change.",
)
ORGANISATION_LANGUAGES = (
    "Members of our team speak {languages}.",
    "Between us we speak {languages} as well as English.",
)


def organisation_summary(rng: random.Random, facts: ListingFacts, *, kind: str) -> str:
    services = [service.lower() for service in facts.services] or ["personal care"]
    specialism_clause = f", with experience of {facts.specialisms[0].lower()}" if facts.specialisms else ""
    return _truncate(
        rng.choice(ORGANISATION_SUMMARIES[kind]).format(
            town=facts.town,
            locality=facts.locality,
            people=_people_phrase(facts),
            first_service=services[0],
            second_service=services[1] if len(services) > 1 else "domestic help",
            specialism_clause=specialism_clause,
            team_size=facts.extra.get("team_size", "six"),
            founded=facts.extra.get("founded", "2015"),
        )
    )


def organisation_description(rng: random.Random, facts: ListingFacts, *, kind: str) -> str:
    services = [service.lower() for service in facts.services]
    context = {
        "name": facts.name,
        "town": facts.town,
        "locality": facts.locality,
        "services": natural_join(services),
        "first_service": services[0] if services else "personal care",
        "other_services": natural_join(services[1:]) or "everyday tasks around the home",
        "specialisms": natural_join([term.lower() for term in facts.specialisms[:3]]) or "a wide range of needs",
        "languages": natural_join(facts.languages),
        "localities": facts.extra.get("localities", facts.locality),
        "team_size": facts.extra.get("team_size", "six"),
        "founded": facts.extra.get("founded", "2015"),
        "founder": facts.extra.get("founder", "our manager"),
    }
    service_pool = ORGANISATION_SERVICE_SENTENCES if len(services) > 1 else ORGANISATION_SERVICE_SENTENCES[:2]
    first = [rng.choice(ORGANISATION_INTRODUCTIONS[kind]), rng.choice(service_pool)]
    second = rng.sample(ORGANISATION_QUALITY, 2)
    third = rng.sample(ORGANISATION_PRACTICAL, 2)
    if facts.languages:
        third.append(rng.choice(ORGANISATION_LANGUAGES))
    return "\n\n".join(" ".join(part).format(**context) for part in (first, second, third))


# --- Day services ---------------------------------------------------------------------------------------

DAY_SERVICE_ACTIVITIES = (
    "arts and crafts",
    "gardening",
    "music and singing",
    "chair-based exercise",
    "cookery",
    "quizzes and reminiscence",
    "trips out",
    "computer skills",
    "drama",
    "woodwork",
    "dominoes and board games",
    "pamper sessions",
    "walking groups",
    "life skills such as budgeting and travel training",
    "work experience in our café",
    "animal care",
)
DAY_SERVICE_SUMMARIES = (
    "A friendly day service in {town} for {people}, open {days}.",
    "Day opportunities in {town}: {activities} and more.",
    "Activities, company and a hot lunch for {people} in {locality}.",
    "A lively day centre in {town} offering {activities}.",
    "Meaningful days out for {people}, with {activities}.",
)
DAY_SERVICE_INTRODUCTIONS = (
    "{name} has welcomed people from across {locality} since {founded}.",
    "We are a day service in {town}, open {days}, for up to {places} people a day.",
    "{name} runs from {premises} in {town} and is open {days}.",
    "We are a not-for-profit day service, run by local people for local people.",
)
DAY_SERVICE_MIDDLES = (
    "A typical day includes {activities}, with a freshly cooked lunch and plenty of tea and cake.",
    "People choose from {activities}, and we plan the programme together each month.",
    "Our staff support people to try new things, build friendships and gain skills and confidence.",
    "There is always a quiet room for anyone who needs time away from the group.",
    "Carers tell us the day gives them a proper break, knowing their relative is happy and safe.",
    "Our staff are trained in {specialisms}, and we can support personal care and medication during the day.",
)
DAY_SERVICE_PRACTICAL = (
    "We can collect people from home in our accessible minibus (a small charge applies).",
    "Come for a free taster day before you decide.",
    "You can book full days or morning and afternoon sessions.",
    "We take direct payments and can invoice a managed account or payroll provider.",
    "The building is fully accessible, with a hoist and a changing places toilet.",
)


def day_service_summary(rng: random.Random, facts: ListingFacts) -> str:
    return _truncate(
        rng.choice(DAY_SERVICE_SUMMARIES).format(
            town=facts.town,
            locality=facts.locality,
            people=_people_phrase(facts),
            days=facts.days_phrase or "on weekdays",
            activities=facts.extra.get("activities", "arts and crafts"),
        )
    )


def day_service_description(rng: random.Random, facts: ListingFacts) -> str:
    context = {
        "name": facts.name,
        "town": facts.town,
        "locality": facts.locality,
        "days": facts.days_phrase or "on weekdays",
        "places": facts.extra.get("places", "20"),
        "premises": facts.extra.get("premises", "our centre"),
        "founded": facts.extra.get("founded", "2010"),
        "activities": facts.extra.get("activities", "arts and crafts"),
        "specialisms": natural_join([term.lower() for term in facts.specialisms[:3]]) or "first aid",
    }
    first = [rng.choice(DAY_SERVICE_INTRODUCTIONS), *rng.sample(DAY_SERVICE_MIDDLES, 2)]
    second = rng.sample(DAY_SERVICE_PRACTICAL, 2)
    if facts.languages:
        second.append(f"Staff speak {natural_join(facts.languages)}.")
    return "\n\n".join(" ".join(part).format(**context) for part in (first, second))


# --- What prices include -------------------------------------------------------------------------------

INCLUDES = {
    "pa_hour": (
        "Travel within {radius} miles included; 45p a mile for driving you anywhere.",
        "Minimum of one hour per visit. Bank holidays at time and a half.",
        "Same rate weekdays and weekends. Mileage at 45p a mile when I drive you.",
        "Includes travel to you. Weekends £2 an hour more.",
        "Minimum two-hour visits. Mileage for trips out at 45p a mile.",
        "",
    ),
    "organisation_hour": (
        "Minimum 30-minute call, charged pro rata. Weekends and bank holidays at a higher rate.",
        "Includes travel time and mileage between visits.",
        "Hourly rate for calls of an hour or more; 45-minute calls charged at three quarters.",
        "Same rate seven days a week; bank holidays at time and a half.",
        "Includes care planning, reviews and 24-hour on-call support.",
    ),
    "night": (
        "Sleep-in night, 10pm to 7am; waking nights by arrangement.",
        "Waking night, 10pm to 8am.",
        "Sleep-in, with up to two calls in the night included.",
    ),
    "day": (
        "Includes lunch, drinks and activities; transport £6 each way.",
        "10am to 3.30pm, including a hot two-course lunch.",
        "Includes lunch, activities and personal care during the day.",
        "Full day 9.30am to 3.30pm; outings may cost extra.",
    ),
    "session": (
        "Morning or afternoon session, including refreshments.",
        "Three-hour session; lunch £4.50 extra.",
        "A half-day session with drinks and snacks.",
    ),
}


def price_includes(rng: random.Random, key: str, *, radius: int | None = None) -> str:
    return rng.choice(INCLUDES[key]).format(radius=radius or 5)
