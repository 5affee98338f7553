"""The editors' video screens: upload a movie's video, see what it is, play it, replace or remove it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from core.exceptions import StorageUnavailable
from streaming.media import InvalidVideo, probe_video
from streaming.models import VideoAsset
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
