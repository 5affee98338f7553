"""The editors' video screens (upload a movie's video, see what it is, play it, replace or remove it) and
the image inlines that the movie and person pages include (poster, backdrop, photo: preview and upload)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from core.exceptions import StorageUnavailable
from streaming.images import ImageRejected, check_image, image_delete, image_store
from streaming.media import InvalidVideo, probe_video
from streaming.models import Image, ImageKind, VideoAsset
from streaming.services import video_asset_delete, video_asset_store


class VideoAssetForm(forms.ModelForm):
    file = forms.FileField(
        label="Video file",
        help_text="MP4 (H.264) or WebM. Large files are fine: they go to storage in parts. "
        "On an existing video, a new file replaces it.",
    )

    class Meta:
        model = VideoAsset
        fields = ["movie"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["file"].required = False
        self.video_info = None

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                self.video_info = probe_video(upload)
            except InvalidVideo as exc:
                raise forms.ValidationError(str(exc)) from None
        return upload


@admin.register(VideoAsset)
class VideoAssetAdmin(admin.ModelAdmin):
    form = VideoAssetForm
    list_display = ["movie", "human_size", "content_type", "human_duration", "resolution", "short_checksum", "updated_at"]
    list_filter = ["content_type"]
    search_fields = ["movie__title", "=movie__id"]
    list_select_related = ["movie"]
    raw_id_fields = ["movie"]
    list_per_page = 50
    readonly_fields = [
        "player",
        "human_size",
        "content_type",
        "human_duration",
        "resolution",
        "sha256",
        "storage_etag",
        "key",
        "original_filename",
        "uploaded_by",
        "created_at",
        "updated_at",
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["movie", "file"]})]
        return [
            (None, {"fields": ["movie", "player", "file"]}),
            ("File", {"fields": ["human_size", "content_type", "human_duration", "resolution", "sha256", "storage_etag"]}),
            ("Storage", {"fields": ["key", "original_filename", "uploaded_by", "created_at", "updated_at"], "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A video belongs to one movie: to move it, remove it and upload it to the other movie.
        return [*self.readonly_fields, "movie"] if obj else self.readonly_fields

    @admin.display(description="size", ordering="size")
    def human_size(self, asset: VideoAsset) -> str:
        return f"{filesizeformat(asset.size)} ({asset.size:,} bytes)"

    @admin.display(description="duration", ordering="duration")
    def human_duration(self, asset: VideoAsset) -> str:
        if asset.duration is None:
            return "unknown"
        total = int(round(asset.duration))
        return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"

    @admin.display(description="resolution")
    def resolution(self, asset: VideoAsset) -> str:
        return f"{asset.width}×{asset.height}" if asset.width and asset.height else "unknown"

    @admin.display(description="SHA-256")
    def short_checksum(self, asset: VideoAsset) -> str:
        return asset.sha256[:12]

    @admin.display(description="preview")
    def player(self, asset: VideoAsset) -> str:
        url = reverse("v1:movie-stream", args=[asset.movie_id])
        return format_html(
            '<video controls preload="metadata" src="{}" style="max-width: 480px; width: 100%"></video>'
            '<br><a href="{}">{}</a>',
            url,
            url,
            url,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StorageUnavailable as exc:
            # The admin's transaction has rolled back and the service left no object behind.
            messages.error(request, f"The video was not saved: {exc.message}")
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("file")
        if not upload:
            return  # nothing else on the form is editable
        asset = video_asset_store(
            movie=form.cleaned_data.get("movie") or obj.movie, file=upload, uploaded_by=request.user, info=form.video_info
        )
        obj.pk = asset.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        video_asset_delete(asset=obj)

    def delete_queryset(self, request, queryset):
        for asset in queryset:
            video_asset_delete(asset=asset)
        messages.info(request, "The video files are removed from storage too.")


class ImageForm(forms.ModelForm):
    file = forms.FileField(
        label="Image file", required=False, help_text="JPEG, PNG or WebP. A new file replaces the current image."
    )

    class Meta:
        model = Image
        fields = ["kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_image = None
        if self.instance.pk:
            self.fields["kind"].disabled = True  # a different kind is another image: add it below

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            if not self.instance.pk and self.has_changed():
                raise forms.ValidationError("Choose an image file.")
            return upload
        if upload.size > settings.IMAGE_MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.IMAGE_MAX_BYTES // (1024 * 1024)} MB.")
        try:
            self.checked_image = check_image(upload.read())
        except ImageRejected as exc:
            raise forms.ValidationError(exc.message) from None
        return upload


class ImageFormSet(BaseInlineFormSet):
    """Saves through streaming.images: new files become new images (new keys), deletions remove objects."""

    owner_field = "movie"

    def clean(self):
        super().clean()
        kinds = [
            form.cleaned_data.get("kind") or form.instance.kind
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        if len(kinds) != len(set(kinds)):
            raise forms.ValidationError("One image of each kind: replace the existing one instead.")

    def save(self, commit=True):
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        owner = {self.owner_field: self.instance}
        for form in self.forms:
            if form.instance.pk and self.can_delete and self._should_delete_form(form):
                image_delete(image=form.instance)
                self.deleted_objects.append(form.instance)
            elif form.checked_image is not None:
                kind = form.instance.kind if form.instance.pk else form.cleaned_data["kind"]
                image = image_store(kind=kind, data=form.checked_image.data, **owner)
                (self.changed_objects.append((image, ["file"])) if form.instance.pk else self.new_objects.append(image))
        return self.new_objects


class _ImageInline(admin.StackedInline):
    model = Image
    form = ImageForm
    extra = 0
    fields = ["kind", "preview", "file", "details"]
    readonly_fields = ["preview", "details"]

    # Whoever may edit the movie or person may manage its images (no separate image permissions to grant).
    def _may_change_owner(self, request) -> bool:
        opts = self.parent_model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def has_view_permission(self, request, obj=None):
        return self._may_change_owner(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_change_owner(request)

    def has_change_permission(self, request, obj=None):
        return self._may_change_owner(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_change_owner(request)

    @admin.display(description="preview")
    def preview(self, image: Image) -> str:
        if not image.pk:
            return "—"
        width = next((r["width"] for r in image.renditions if r["width"] >= 320), image.width)
        url = reverse("v1:image", args=[image.pk, width])
        return format_html('<a href="{}"><img src="{}" alt="" style="max-height: 240px; max-width: 100%"></a>', url, url)

    @admin.display(description="file")
    def details(self, image: Image) -> str:
        if not image.pk:
            return "—"
        sizes = ", ".join(str(r["width"]) for r in image.renditions) or "being made"
        return f"{image.width}×{image.height} {image.content_type}, {filesizeformat(image.size)}; " f"from {image.get_source_display()}; WebP widths: {sizes}"


class MovieImageFormSet(ImageFormSet):
    owner_field = "movie"


class PersonImageFormSet(ImageFormSet):
    owner_field = "person"


class MovieImageInline(_ImageInline):
    """Poster and backdrop on the movie page (catalog.admin includes it)."""

    fk_name = "movie"
    formset = MovieImageFormSet
    max_num = 2
    verbose_name = "image (poster or backdrop)"
    verbose_name_plural = "poster and backdrop"

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [(ImageKind.POSTER, "poster"), (ImageKind.BACKDROP, "backdrop")]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class PersonImageInline(_ImageInline):
    """The photo on the person page (people.admin includes it)."""

    fk_name = "person"
    formset = PersonImageFormSet
    max_num = 1
    verbose_name = "photo"
    verbose_name_plural = "photo"

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [(ImageKind.PHOTO, "photo")]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.display(description="poster", boolean=True)
def has_poster(movie) -> bool:
    """A list column for the movie list (one indexed lookup per row of a 50-row page)."""
    return Image.objects.filter(movie_id=movie.pk, kind=ImageKind.POSTER).exists()


class HasPosterFilter(admin.SimpleListFilter):
    title = "poster"
    parameter_name = "has_poster"

    def lookups(self, request, model_admin):
        return [("yes", "has a poster"), ("no", "no poster")]

    def queryset(self, request, queryset):
        posters = Image.objects.filter(kind=ImageKind.POSTER).values("movie_id")
        if self.value() == "yes":
            return queryset.filter(pk__in=posters)
        if self.value() == "no":
            return queryset.exclude(pk__in=posters)
        return queryset
