"""People's names for the demo county, from the backgrounds of a Midlands county's workforce.

Most names come from Faker's en_GB provider; the rest from short lists of
names common in the UK's South Asian, Polish, Romanian, Caribbean, West
African, Somali, Arabic-speaking and Irish communities. Each background
carries the languages its people are likely to speak, so a PA called Hetal
Patel may speak Gujarati and a PA called Agnieszka Nowak Polish, and the
language filter finds believable people.
"""

import random
import unicodedata
from dataclasses import dataclass

from faker import Faker


@dataclass(frozen=True)
class Background:
    key: str
    weight: float  # share of the county's care workforce, before normalising
    female_first_names: tuple[str, ...]
    male_first_names: tuple[str, ...]
    # "Female/Male" where the surname changes with gender (Polish), else one form.
    surnames: tuple[str, ...]
    # Language slugs with the chance a person of this background speaks each.
    languages: tuple[tuple[str, float], ...] = ()


BRITISH = "british"

BACKGROUNDS: tuple[Background, ...] = (
    # Names for the largest group come from Faker en_GB.
    Background(BRITISH, 0.64, (), (), ()),
    Background(
        "gujarati",
        0.09,
        ("Hetal", "Priya", "Nisha", "Bhavna", "Rupal", "Manisha", "Hemlata", "Kajal", "Jyoti", "Mita", "Sejal"),
        ("Jayesh", "Dipak", "Kiran", "Nilesh", "Hitesh", "Rakesh", "Bharat", "Sanjay", "Mahesh"),
        ("Patel", "Shah", "Mistry", "Parmar", "Desai", "Solanki", "Chauhan", "Lad", "Makwana", "Joshi", "Modi"),
        (("gujarati", 0.9), ("hindi", 0.35)),
    ),
    Background(
        "punjabi",
        0.045,
        ("Harpreet", "Manjit", "Gurpreet", "Kulwinder", "Balvinder", "Jaspreet", "Rajinder", "Amrit", "Sukhjit"),
        ("Jaspal", "Gurdeep", "Harjit", "Parminder", "Sukhdev", "Baljit", "Amarjit", "Ranjit"),
        ("Singh", "Kaur", "Sandhu", "Gill", "Dhillon", "Johal", "Bains", "Sidhu", "Atwal", "Rai"),
        (("punjabi", 0.9), ("hindi", 0.25)),
    ),
    Background(
        "pakistani",
        0.04,
        ("Ayesha", "Nasreen", "Shazia", "Samina", "Rubina", "Farzana", "Saima", "Nadia", "Sadia", "Rukhsana"),
        ("Imran", "Tariq", "Asif", "Zahid", "Naveed", "Kamran", "Shahid", "Faisal"),
        ("Khan", "Hussain", "Akhtar", "Ali", "Iqbal", "Mahmood", "Butt", "Raja", "Malik", "Qureshi"),
        (("urdu", 0.85), ("punjabi", 0.4)),
    ),
    Background(
        "bangladeshi",
        0.02,
        ("Fatema", "Rupa", "Shirin", "Jahanara", "Nasima", "Salma", "Rahima", "Shapla"),
        ("Abdul", "Mizanur", "Shafiqul", "Jamal", "Anwar", "Rafiq"),
        ("Begum", "Rahman", "Uddin", "Miah", "Ahmed", "Islam", "Choudhury", "Hoque"),
        (("bengali", 0.92),),
    ),
    Background(
        "polish",
        0.05,
        ("Agnieszka", "Katarzyna", "Magdalena", "Anna", "Joanna", "Małgorzata", "Ewa", "Monika", "Justyna", "Dorota"),
        ("Tomasz", "Marek", "Piotr", "Paweł", "Krzysztof", "Łukasz", "Michał"),
        (
            "Kowalska/Kowalski",
            "Nowak",
            "Wiśniewska/Wiśniewski",
            "Wójcik",
            "Kamińska/Kamiński",
            "Lewandowska/Lewandowski",
            "Zielińska/Zieliński",
            "Szymańska/Szymański",
            "Dąbrowska/Dąbrowski",
            "Kaczmarek",
            "Mazur",
        ),
        (("polish", 0.95),),
    ),
    Background(
        "romanian",
        0.025,
        ("Andreea", "Elena", "Ioana", "Mihaela", "Cristina", "Gabriela", "Alina", "Roxana"),
        ("Alexandru", "Florin", "Ionuț", "Adrian", "Bogdan", "Marius"),
        ("Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Constantin", "Stoica", "Munteanu"),
        (("romanian", 0.95),),
    ),
    Background(
        "caribbean",
        0.035,
        ("Marcia", "Beverley", "Claudette", "Paulette", "Sharon", "Janet", "Yvonne", "Hyacinth", "Donna"),
        ("Delroy", "Winston", "Leroy", "Errol", "Clive", "Desmond", "Trevor"),
        ("Campbell", "Brown", "Thompson", "Grant", "Clarke", "Francis", "Henry", "Reid", "McKenzie", "Bailey"),
    ),
    Background(
        "west_african",
        0.03,
        ("Chioma", "Funmilayo", "Abena", "Blessing", "Ngozi", "Adaeze", "Akosua", "Comfort", "Folake", "Grace"),
        ("Emmanuel", "Kwame", "Chinedu", "Oluwaseun", "Kofi", "Tunde", "Samuel"),
        ("Okafor", "Adeyemi", "Mensah", "Boateng", "Owusu", "Eze", "Adebayo", "Asante", "Okonkwo", "Oyelaran"),
    ),
    Background(
        "somali",
        0.015,
        ("Hodan", "Amina", "Fadumo", "Sahra", "Ubah", "Khadra", "Ifrah", "Asha"),
        ("Abdirahman", "Mohamed", "Abdi", "Yusuf", "Hassan"),
        ("Mohamed", "Ali", "Hassan", "Abdi", "Farah", "Warsame", "Osman", "Jama"),
        (("somali", 0.92), ("arabic", 0.3)),
    ),
    Background(
        "arabic",
        0.012,
        ("Rania", "Lina", "Yasmin", "Noor", "Hala", "Dalia", "Rana"),
        ("Omar", "Khaled", "Ahmad", "Bilal", "Sami"),
        ("Haddad", "Khalil", "Nasser", "Saleh", "Al-Sayed", "Mansour", "Darwish", "Hamdan"),
        (("arabic", 0.95),),
    ),
    Background(
        "irish",
        0.02,
        ("Siobhan", "Niamh", "Aoife", "Bernadette", "Roisin", "Mairead", "Orla", "Sinead"),
        ("Ciaran", "Declan", "Padraig", "Eoin", "Seamus", "Cormac"),
        ("Murphy", "O'Brien", "Kelly", "Byrne", "Doherty", "O'Connor", "Walsh", "Gallagher", "Quinn"),
    ),
)

# Any background: British Sign Language users among the workforce (about 1 in 30).
BRITISH_SIGN_LANGUAGE_SHARE = 0.03


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    is_female: bool
    background: str
    languages: tuple[str, ...]  # slugs; English is implied

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def ascii_name(self) -> str:
        """'Małgorzata Wiśniewska' -> 'Malgorzata Wisniewska', for email addresses."""
        text = self.full_name.replace("ł", "l").replace("Ł", "L")
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class NameGenerator:
    """Deterministic people for one seed: the same calls give the same people."""

    def __init__(self, *, rng: random.Random, faker: Faker) -> None:
        self.rng = rng
        self.faker = faker
        self.weights = [background.weight for background in BACKGROUNDS]

    def background(self) -> Background:
        return self.rng.choices(BACKGROUNDS, weights=self.weights)[0]

    def person(self, *, is_female: bool, background: Background | None = None) -> Person:
        background = background or self.background()
        if background.key == BRITISH:
            first = self.faker.first_name_female() if is_female else self.faker.first_name_male()
            last = self.faker.last_name()
        else:
            first = self.rng.choice(background.female_first_names if is_female else background.male_first_names)
            last = self.rng.choice(background.surnames)
            if "/" in last:
                female_form, male_form = last.split("/")
                last = female_form if is_female else male_form
            # Sikh names: Kaur for women and Singh for men are common as a family name.
            if background.key == "punjabi" and last in ("Singh", "Kaur"):
                last = "Kaur" if is_female else "Singh"
        languages = [slug for slug, share in background.languages if self.rng.random() < share]
        if self.rng.random() < BRITISH_SIGN_LANGUAGE_SHARE:
            languages.append("british-sign-language")
        return Person(first, last, is_female, background.key, tuple(languages))

    def surname(self) -> str:
        """A surname for a family business name."""
        background = self.background()
        if background.key == BRITISH:
            return str(self.faker.last_name())
        return self.rng.choice(background.surnames).split("/")[-1]
