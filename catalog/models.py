"""Movies and the editorial (CMS) descriptions that come with them."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper

language_code_validator = RegexValidator(
    r"^[a-z]{2,3}$", "Use a two- or three-letter lowercase language code, e.g. 'en' or 'ru'."
)


# ISO 3166-1 alpha-2 codes, uppercase: the form of every country code stored or accepted.
COUNTRY_CODES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
    BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
    FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM
    JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE
    RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT
    TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
)
YEAR_MIN, YEAR_MAX = 1870, 2100
RUNTIME_MAX = 24 * 60 * 10  # minutes; the longest films run for days, none for ten


def validate_country_codes(codes) -> None:
    unknown = [code for code in codes if code not in COUNTRY_CODES]
    if unknown:
        raise ValidationError(f"Unknown ISO 3166-1 alpha-2 country code(s): {', '.join(map(str, unknown))}.")
    if len(set(codes)) != len(codes):
        raise ValidationError("A country is listed twice.")


class AgeRating(models.TextChoices):
    ALL = "0+", "0+"
    SIX = "6+", "6+"
    TWELVE = "12+", "12+"
    SIXTEEN = "16+", "16+"
    EIGHTEEN = "18+", "18+"


# Movie fields the partner feed owns; one an editor changes in the admin is pinned (Movie.pinned_fields)
# and the ETL leaves it as the editor set it until the editor releases it.
FEED_FIELDS = ("title", "language", "partner_description", "year", "runtime", "age_rating", "countries", "genres")


class Genre(models.Model):
    slug = models.SlugField(max_length=64, unique=True, allow_unicode=True, help_text="In URLs and filters, e.g. 'drama'.")
    name_en = models.CharField("name (English)", max_length=64)
    name_ru = models.CharField("name (Russian)", max_length=64)

    class Meta:
        ordering = ["name_en", "id"]

    def __str__(self) -> str:
        return self.name_en or self.slug

    def name_in(self, language: str | None) -> str:
        return (self.name_ru if language == "ru" else self.name_en) or self.name_en or self.name_ru


class DescriptionSource(models.TextChoices):
    OVERRIDE = "override", "Editor override"
    CMS = "cms", "CMS document"
    PARTNER = "partner", "Partner feed"


class Movie(models.Model):
    external_id = models.BigIntegerField(
        "partner id", unique=True, null=True, blank=True, help_text="The partner feed's movie_id; empty for movies created here."
    )
    title = models.CharField(max_length=255)
    language = models.CharField(max_length=3, validators=[language_code_validator], help_text="Original language of the movie.")
    partner_description = models.TextField(blank=True, help_text="As received from the partner feed (cleaned).")
    description = models.TextField(
        blank=True, editable=False, help_text="What viewers see in the movie's own language (resolved)."
    )
    source_used = models.CharField(
        max_length=16, choices=DescriptionSource.choices, default=DescriptionSource.PARTNER, editable=False
    )
    year = models.PositiveSmallIntegerField(
        "release year", null=True, blank=True, validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    runtime = models.PositiveIntegerField(
        "runtime (minutes)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(RUNTIME_MAX)]
    )
    age_rating = models.CharField(max_length=3, choices=AgeRating.choices, blank=True, db_default="")
    countries = ArrayField(
        models.CharField(max_length=2), default=list, db_default=[], blank=True, validators=[validate_country_codes],
        help_text="Production countries, ISO 3166-1 alpha-2 codes (e.g. US, FR), comma-separated.",
    )
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    pinned_fields = ArrayField(
        models.CharField(max_length=32), default=list, db_default=[], blank=True, editable=False,
        help_text="Feed fields an editor changed here: the ETL leaves them as the editor set them.",
    )
    is_published = models.BooleanField("published", default=True, help_text="Unpublished movies are visible to staff only.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            # Search: `%>` (word similarity) on the column, and UPPER(title) LIKE for substrings.
            GinIndex(OpClass("title", name="gin_trgm_ops"), name="movie_title_trgm"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="movie_title_upper_trgm"),
            models.Index(fields=["title", "id"], name="movie_title_id"),  # the default list order
            models.Index(fields=["language", "title"], name="movie_language_title"),
            models.Index(fields=["-created_at"], name="movie_created"),
            models.Index(fields=["year", "id"], name="movie_year_id"),
            GinIndex(fields=["countries"], name="movie_countries"),
        ]

    def __str__(self) -> str:
        return self.title


class CmsDescription(models.Model):
    """The CMS document's editorial description of a movie in one language (written by the ETL)."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="cms_descriptions")
    language = models.CharField(max_length=3, validators=[language_code_validator])
    text = models.TextField()
    document_key = models.CharField(max_length=512, blank=True, help_text="Object key of the CMS document.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "CMS description"
        constraints = [models.UniqueConstraint(fields=["movie", "language"], name="cms_description_movie_language")]

    def __str__(self) -> str:
        return f"{self.movie} [{self.language}]"
