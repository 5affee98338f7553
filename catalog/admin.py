"""The editors' movie screen: cast, overrides and CMS descriptions inline, and what a viewer will read."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from catalog import services
from catalog.models import FEED_FIELDS, CmsDescription, Genre, Movie
from core.integers import parse_id
from overrides import services as override_services
from overrides.forms import OverrideForm
from overrides.models import DescriptionOverride
from overrides.selectors import resolve_description
from people.models import Credit
from streaming.admin import HasPosterFilter, MovieImageInline, has_poster


class DescriptionOverrideInline(admin.StackedInline):
    model = DescriptionOverride
    form = OverrideForm
    extra = 0
    fields = ["language", "text", "version", "author", "updated_at"]
    readonly_fields = ["author", "updated_at"]
    verbose_name_plural = "override descriptions (win over CMS and partner; the ETL never changes them)"

    @staticmethod
    def save_through_services(request, movie: Movie, formset) -> None:
        """Stand-in for formset.save(): same bookkeeping (for the admin's change message), via overrides.services."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.deleted_forms:
            if form.instance.pk:
                override_services.override_delete(override=form.instance, author=request.user)
                formset.deleted_objects.append(form.instance)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            data = form.cleaned_data
            if form.instance.pk is None:
                saved = override_services.override_create(movie=movie, language=data["language"], text=data["text"], author=request.user)
                formset.new_objects.append(saved)
            else:
                saved = override_services.override_update(
                    override=form.instance, text=data["text"], author=request.user, expected_versions=form.expected_versions()
                )
                formset.changed_objects.append((saved, form.changed_data))


class CmsDescriptionInline(admin.TabularInline):
    model = CmsDescription
    extra = 0
    can_delete = False
    fields = ["language", "text", "document_key", "updated_at"]
    readonly_fields = fields
    verbose_name_plural = "CMS descriptions (written by the ETL, read-only)"

    def has_add_permission(self, request, obj=None):
        return False


class MovieCreditInline(admin.TabularInline):
    """Cast on the movie page."""

    model = Credit
    extra = 0
    fields = ["person", "job", "role_name", "billing_order"]
    autocomplete_fields = ["person"]
    ordering = ["job", "billing_order", "id"]
    verbose_name = "credit"
    verbose_name_plural = "cast and crew (role: the character's name, for actors)"


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "slug", "movie_count"]
    search_fields = ["name_en", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    fields = ["name_en", "name_ru", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(movie_count=Count("movies"))

    @admin.display(description="movies", ordering="movie_count")
    def movie_count(self, genre: Genre) -> int:
        return genre.movie_count


class MovieAdminForm(forms.ModelForm):
    release_pins = forms.MultipleChoiceField(
        label="Give back to the feed", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(name, name) for name in FEED_FIELDS],
        help_text="Ticked fields lose the editor's pin: the next ETL run writes the feed's value again.",
    )

    class Meta:
        model = Movie
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pinned = self.instance.pinned_fields if self.instance.pk else []
        self.fields["release_pins"].choices = [(name, name) for name in pinned]


class GenreActionForm(ActionForm):
    genre = forms.ModelChoiceField(Genre.objects.all(), required=False, help_text="For “add genre”.")


class HasVideoFilter(admin.SimpleListFilter):
    title = "video"
    parameter_name = "has_video"

    def lookups(self, request, model_admin):
        return [("yes", "has a video"), ("no", "no video")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(video__isnull=self.value() == "no")
        return queryset


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    form = MovieAdminForm
    action_form = GenreActionForm
    actions = ["publish", "unpublish", "add_genre"]
    list_display = [
        "title", "year", "language", "genre_names", "has_video", "external_id", "source_used", "is_published",
        "credit_count", has_poster, "updated_at",
    ]
    list_filter = ["is_published", "genres", "year", HasVideoFilter, HasPosterFilter, "age_rating", "language", "source_used"]
    search_fields = ["title", "=external_id"]
    list_per_page = 50
    date_hierarchy = "created_at"
    readonly_fields = ["viewer_descriptions", "external_id", "pinned", "created_at", "updated_at"]
    filter_horizontal = ["genres"]
    fieldsets = [
        (None, {"fields": ["title", "language", "is_published", "external_id"]}),
        ("Facts", {"fields": ["year", "runtime", "age_rating", "countries", "genres"]}),
        ("Descriptions", {"fields": ["viewer_descriptions", "partner_description"]}),
        ("Pinned by an editor", {"fields": ["pinned", "release_pins"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [DescriptionOverrideInline, CmsDescriptionInline, MovieCreditInline, MovieImageInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(credit_count=Count("credits", distinct=True))
            .select_related("video").prefetch_related("genres")
        )

    @admin.display(description="genres")
    def genre_names(self, movie: Movie) -> str:
        return ", ".join(genre.name_en for genre in movie.genres.all())

    @admin.display(description="video", boolean=True)
    def has_video(self, movie: Movie) -> bool:
        return hasattr(movie, "video")

    @admin.display(description="Pinned fields (the feed does not overwrite them)")
    def pinned(self, movie: Movie) -> str:
        if movie.external_id is None:
            return "— (not a feed movie)"
        return ", ".join(movie.pinned_fields) or "none: the feed owns every field"

    @admin.action(description="Publish selected movies", permissions=["change"])
    def publish(self, request, queryset):
        count = services.movies_set_published(movie_ids=queryset.values_list("pk", flat=True), published=True)
        self.message_user(request, f"{count} movie(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected movies", permissions=["change"])
    def unpublish(self, request, queryset):
        count = services.movies_set_published(movie_ids=queryset.values_list("pk", flat=True), published=False)
        self.message_user(request, f"{count} movie(s) unpublished.", messages.SUCCESS)

    @admin.action(description="Add genre (chosen below) to selected movies", permissions=["change"])
    def add_genre(self, request, queryset):
        genre_id = parse_id(request.POST.get("genre", ""))
        genre = Genre.objects.filter(pk=genre_id).first() if genre_id else None
        if genre is None:
            self.message_user(request, "Choose the genre to add.", messages.ERROR)
            return
        count = services.movies_add_genre(movie_ids=queryset.values_list("pk", flat=True), genre=genre)
        self.message_user(request, f"{genre} added to {count} movie(s).", messages.SUCCESS)

    @admin.display(description="credits", ordering="credit_count")
    def credit_count(self, movie: Movie) -> int:
        return movie.credit_count

    @admin.display(description="What viewers see")
    def viewer_descriptions(self, movie: Movie) -> str:
        if movie.pk is None:
            return "—"
        languages = sorted({movie.language, *settings.CONTENT_LANGUAGES})
        rows = []
        for language in languages:
            text, source = resolve_description(movie, language)
            rows.append((language, source, text or "(empty)"))
        return format_html(
            "<table><thead><tr><th>language</th><th>from</th><th>text</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td><strong>{}</strong></td><td>{}</td></tr>", rows),
        )

    def save_model(self, request, obj, form, change):
        services.movie_save(
            movie=obj, changed_fields=form.changed_data if change else (), released_fields=form.cleaned_data.get("release_pins", ())
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is DescriptionOverride:
            DescriptionOverrideInline.save_through_services(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)
