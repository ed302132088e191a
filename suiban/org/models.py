"""Regions, schools, resource centres, school years, terms and classes (ORG-1, ORG-2)."""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from suiban.core.models import VersionedModel
from suiban.core.scoping import ScopedManager

region_code_validator = RegexValidator(r"^\d{6}$", _("A region code has exactly 6 digits (GB/T 2260)."))
school_code_validator = RegexValidator(r"^\d{10}$", _("A school code has exactly 10 digits."))


class Region(VersionedModel):
    """A node of the region tree with a materialised path ("350000/350200/350205/")."""

    PROVINCE, CITY, DISTRICT = "province", "city", "district"
    LEVEL_CHOICES = [(PROVINCE, _("Province")), (CITY, _("City")), (DISTRICT, _("County / district"))]
    LEVEL_DEPTH = {PROVINCE: 1, CITY: 2, DISTRICT: 3}

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[region_code_validator])
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=LEVEL_CHOICES)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent region"),
    )
    path = models.CharField(max_length=100, unique=True, editable=False)
    profile = models.CharField(
        _("policy profile"), max_length=50, blank=True,
        help_text=_("Policy profile attached to this region; inherited by the regions and schools below."),
    )

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "path", "district": "path"}

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    def clean(self):
        expected_parent = {self.PROVINCE: None, self.CITY: self.PROVINCE, self.DISTRICT: self.CITY}
        want = expected_parent.get(self.level)
        if self.level == self.PROVINCE and self.parent_id:
            raise ValidationError({"parent": _("A province has no parent region.")})
        if want and (self.parent is None or self.parent.level != want):
            raise ValidationError({"parent": _("The parent of this region must be a %(level)s.")
                                   % {"level": dict(self.LEVEL_CHOICES)[want]}})
        if self.code and self.parent and re.fullmatch(r"\d{6}", self.code):
            prefix = {self.CITY: 2, self.DISTRICT: 4}.get(self.level)
            if prefix and self.code[:prefix] != self.parent.code[:prefix]:
                raise ValidationError({"code": _("The code must start with the parent region's code digits.")})
        if self.profile:
            from suiban.policy.profiles import registry

            if self.profile not in registry().profiles:
                raise ValidationError({"profile": _("Unknown policy profile.")})

    def compute_path(self) -> str:
        return (self.parent.path if self.parent else "") + f"{self.code}/"

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def ancestors_paths(self) -> list[str]:
        parts = [p for p in self.path.split("/") if p]
        return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]

    def audit_scope(self):
        return self.path, None


class School(VersionedModel):
    PRIMARY, JUNIOR, NINE_YEAR, SPECIAL = "primary", "junior", "nine_year", "special"
    KIND_CHOICES = [
        (PRIMARY, _("Ordinary primary school")),
        (JUNIOR, _("Ordinary junior secondary school")),
        (NINE_YEAR, _("Nine-year school")),
        (SPECIAL, _("Special-education school")),
    ]
    GRADES = {PRIMARY: range(1, 7), JUNIOR: range(7, 10), NINE_YEAR: range(1, 10), SPECIAL: range(1, 10)}

    code = models.CharField(_("school code"), max_length=10, unique=True, validators=[school_code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=KIND_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="schools",
                               verbose_name=_("district"))
    region_path = models.CharField(max_length=100, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "region_path", "school": "id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        indexes = [models.Index(fields=["region_path", "code"], name="school_region_code_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.region_id and self.region.level != Region.DISTRICT:
            raise ValidationError({"region": _("A school belongs to a county or district.")})

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    def allowed_grades(self):
        return list(self.GRADES[self.kind])

    def audit_scope(self):
        return self.region_path, self.pk


class ResourceCentre(VersionedModel):
    """特殊教育资源中心 of a province, city or county/district (ORG-1, ORG-7, GD §39–40, GD A2.8): one per
    region; a city's centre guides the county centres of its city (``guided_centres``)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="resource_centre",
                                  verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "region__path", "district": "region__path"}

    class Meta:
        ordering = ["region__path"]
        verbose_name = _("resource centre")
        verbose_name_plural = _("resource centres")

    def __str__(self):
        return self.name

    def clean(self):
        if self.region_id and self.region.level not in (Region.PROVINCE, Region.CITY, Region.DISTRICT):
            raise ValidationError({"region": _("A resource centre is attached to a province, city or county.")})

    @property
    def level(self) -> str:
        return self.region.level

    def guided_centres(self):
        """ORG-7: a city centre guides the county centres of its city, a province centre the city centres."""
        return ResourceCentre.objects.filter(region__parent_id=self.region_id).select_related("region")

    def guiding_centre(self):
        """The centre one level up that guides this one (None at the province or where there is none)."""
        if not self.region.parent_id:
            return None
        return ResourceCentre.objects.filter(region_id=self.region.parent_id).first()

    def audit_scope(self):
        return self.region.path, None


class SchoolYear(models.Model):
    """A school year ("2025-2026") starting on the policy's start date (ORG-2), with two terms."""

    start_year = models.PositiveIntegerField(_("start year"), unique=True,
                                             validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        ordering = ["-start_year"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must be after the start date.")})

    @classmethod
    def current(cls, today: date | None = None):
        from django.utils import timezone

        from suiban.core import runmemo

        today = today or timezone.localdate()
        # read once per run of the findings engine, whichever checks ask (no memo outside a run)
        return runmemo.memo(("org.SchoolYear.current", today),
                            lambda: cls.objects.filter(start_date__lte=today).order_by("-start_date").first())


class Term(models.Model):
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms",
                                    verbose_name=_("school year"))
    number = models.PositiveSmallIntegerField(_("term"), choices=[(1, _("First term")), (2, _("Second term"))])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        ordering = ["school_year__start_year", "number"]
        constraints = [models.UniqueConstraint(fields=["school_year", "number"], name="term_unique_number")]
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def __str__(self):
        return f"{self.school_year.name} {self.get_number_display()}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must be after the start date.")})


GRADE_NUMERALS = "一二三四五六七八九"


def class_name(grade: int, number: int) -> str:
    """The usual name of a class (三年级（1）班), used when classes are created for a new school year."""
    return f"{GRADE_NUMERALS[grade - 1]}年级（{number}）班"


class SchoolClass(VersionedModel):
    """A class of a school year. Its kind (PL-2, PL-4, GD §11–12): an ordinary class, where students in inclusion
    learn with their classmates (随班就读, at most ⚙ class_hard_max of them), or a special class attached to an
    ordinary school (附设特教班), a placement of its own whose pupils do not count against that cap."""

    ORDINARY, SPECIAL = "ordinary", "special"
    KIND_CHOICES = [(ORDINARY, _("Ordinary class")), (SPECIAL, _("Special class attached to an ordinary school"))]

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes",
                                    verbose_name=_("school year"))
    grade = models.PositiveSmallIntegerField(_("grade"), validators=[MinValueValidator(1), MaxValueValidator(9)])
    name = models.CharField(_("class name"), max_length=50)
    kind = models.CharField(_("class kind"), max_length=10, choices=KIND_CHOICES, default=ORDINARY,
                            help_text=_("A special class is a placement of its own: its pupils do not count against "
                                        "the cap of students in inclusion of an ordinary class. Based on the "
                                        "Guangdong implementation rules, articles 11 and 12."))
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="taught_classes", verbose_name=_("class teacher"),
    )

    objects = ScopedManager()
    VIEW_PERMISSION = "org.view"
    SCOPE_LOOKUPS = {"region": "school__region_path", "school": "school_id", "class": "id"}

    class Meta:
        ordering = ["school__code", "grade", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "name"], name="class_unique_name_per_year"),
        ]
        indexes = [models.Index(fields=["school", "school_year", "grade"], name="class_school_year_grade_idx")]

    def __str__(self):
        return f"{self.school.name} {self.name_with_kind}"

    @property
    def name_with_kind(self) -> str:
        """The name, followed by （附设特教班） for a special class: PL-2, wherever a class is chosen or named."""
        if self.kind == self.SPECIAL:
            return f"{self.name}（{pgettext('class kind', 'Special class')}）"
        return self.name

    def clean(self):
        if self.school_id and self.grade and self.grade not in self.school.allowed_grades():
            raise ValidationError({"grade": _("This school does not teach grade %(grade)s.") % {"grade": self.grade}})
        if self.kind == self.SPECIAL and self.school_id and self.school.kind == School.SPECIAL:
            raise ValidationError({"kind": _("A special class is attached to an ordinary school; the classes of a "
                                             "special-education school are ordinary classes of that school.")})

    @property
    def is_special(self) -> bool:
        return self.kind == self.SPECIAL

    def audit_scope(self):
        return self.school.region_path, self.school_id
