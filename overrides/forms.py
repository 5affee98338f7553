"""The editors' override form (admin page and the movie page's inline): text, and the version the editor read.

The checks run in `clean()`, inside the admin's transaction, through overrides.services: they lock
the rows, so nothing can change between the check and the save that follows in the same transaction.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html

from overrides import services
from overrides.models import DescriptionOverride
from overrides.selectors import override_version


class OverrideForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = DescriptionOverride
        fields = ["movie", "language", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = override_version(self.instance)
            # Moving an override to another movie or language is a delete and a create: both are recorded.
            for name in ("movie", "language"):
                if isinstance(self.fields.get(name), (forms.ModelChoiceField, forms.CharField)):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Fixed once written: delete this override and add another to change it."

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("An override needs some text; delete it to fall back to the CMS or partner description.")
        return text

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            if self.has_changed():
                self._check_still_current(cleaned.get("version"))
        elif cleaned.get("language") and getattr(cleaned.get("movie"), "pk", None):
            movie = cleaned["movie"]
            try:
                services.override_language_free(movie=movie, language=cleaned["language"])
            except services.OverrideExists as exc:
                self.add_error("language", exc.message)
        return cleaned

    def _check_still_current(self, version: str | None) -> None:
        try:
            services.override_lock(override_id=self.instance.pk, expected_versions=[version] if version else None)
        except services.OverrideNotFound:
            raise forms.ValidationError("Someone deleted this override since you opened the page.") from None
        except services.OverrideChanged as exc:
            current = exc.current
            # The newer version becomes the form's base: saving again (after merging) overwrites it knowingly.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = override_version(current)
            raise forms.ValidationError(
                format_html(
                    "{} changed this override at {} while you were editing. Their text is:<blockquote>{}</blockquote>"
                    "Merge your change into it and save again.",
                    getattr(current.author, "username", None) or "Someone",
                    current.updated_at.strftime("%Y-%m-%d %H:%M:%S %Z"),
                    current.text,
                )
            ) from None

    def expected_versions(self) -> list[str] | None:
        version = self.cleaned_data.get("version")
        return [version] if version else None
