"""Our vocabularies published as ORUK taxonomies.

Three vocabularies editors manage (services, client groups, skills and
specialisms) are model rows with their own UUIDs. The type of provider is a
fixed list of choices with no rows, so its term ids are derived (UUID5). The
taxonomy ids themselves are derived from a fixed namespace.
See docs/decisions/0011-openreferral-mapping.md.
"""

from dataclasses import dataclass

from marketplace.providers.models import ClientGroup, Provider, ServiceType, Specialism, TaxonomyTerm

from .identifiers import namespace_id


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    model: type[TaxonomyTerm] | None  # None: the terms are Provider.Kind choices

    @property
    def id(self) -> str:
        return namespace_id("taxonomy", self.key)


@dataclass(frozen=True)
class Term:
    """A taxonomy term, whether it comes from a row or from a choice list."""

    id: str
    name: str
    description: str
    code: str
    taxonomy: Taxonomy


SERVICES = Taxonomy(
    key="services",
    name="Services",
    description="What support a provider offers, such as personal care, domestic help or respite and short breaks.",
    model=ServiceType,
)
CLIENT_GROUPS = Taxonomy(
    key="client_groups",
    name="Client groups",
    description="Who the support is for, such as older people or adults with a learning disability.",
    model=ClientGroup,
)
SPECIALISMS = Taxonomy(
    key="specialisms",
    name="Skills and specialisms",
    description="Particular skills a provider has, such as dementia care or moving and handling.",
    model=Specialism,
)
PROVIDER_KINDS = Taxonomy(
    key="provider_kinds",
    name="Types of provider",
    description="Whether the provider is a personal assistant, a micro-provider, a day service or a home care agency.",
    model=None,
)
TAXONOMIES: tuple[Taxonomy, ...] = (SERVICES, CLIENT_GROUPS, SPECIALISMS, PROVIDER_KINDS)
TAXONOMIES_BY_ID = {taxonomy.id: taxonomy for taxonomy in TAXONOMIES}


def term_from_row(row: TaxonomyTerm, taxonomy: Taxonomy) -> Term:
    return Term(id=str(row.uuid), name=row.name, description=row.description, code=row.slug, taxonomy=taxonomy)


def kind_term(kind: str) -> Term:
    label = str(Provider.Kind(kind).label)
    return Term(
        id=namespace_id("provider_kind", kind),
        name=label,
        description=f"Listings of the type “{label}”.",
        code=kind,
        taxonomy=PROVIDER_KINDS,
    )


KIND_TERMS: tuple[Term, ...] = tuple(kind_term(kind) for kind in Provider.Kind.values)
KIND_TERMS_BY_ID = {term.id: term for term in KIND_TERMS}
