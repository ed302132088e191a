"""The import peer (issue 9 "Speed"): the same 5,000 new students imported with django-import-export beside ours,
in one run. Names start with "Import peer" (``--only "Import peer"``).

The peer is a ``ModelResource`` for ``Student`` over the same workbook (the headers of the import template), with
the same validation: every cell parsed by the roster's column parsers, the services' record rules
(``check_record``), the derived fields and the model's field validators in ``validate_instance``; each row is
written by ``services.student_create`` (scope, class cap PL-4 under its lock, guardians, the initial placement
record, the audit row). As django-import-export's documentation recommends, the file is imported twice: a dry run
first (``import_data(dry_run=True)``, inside a transaction rolled back), then, if it reports no error, the import.
Both imports run inside a transaction that is rolled back afterwards, like ours, so the data set stays as
generated.
"""

import io
import json
import time


def student_resource(actor):
    from django.core.exceptions import ValidationError
    from import_export import fields, resources

    from suiban.core.errors import DomainError
    from suiban.org.models import School, SchoolClass, SchoolYear
    from suiban.students import services
    from suiban.students.models import Student
    from suiban.students.roster.columns import COLUMNS, RECORD_KEYS, _header_key, _parse_cell

    by_header = {_header_key(c.header): c for c in COLUMNS}
    year = SchoolYear.current()

    class StudentResource(resources.ModelResource):
        student_number = fields.Field(attribute="student_number", column_name="全国学籍号")

        class Meta:
            model = Student
            fields = ("student_number",)
            import_id_fields = ("student_number",)
            use_transactions = True
            skip_diff = True
            report_skipped = False

        def __init__(self):
            super().__init__()
            self.schools, self.classes = {}, {}

        def before_import_row(self, row, **kwargs):
            """Parse every cell like the roster does; a bad cell is a validation error of its column."""
            values, errors = {}, {}
            for header, cell in row.items():
                col = by_header.get(_header_key(str(header or "")))
                if col is None:
                    continue
                try:
                    v = _parse_cell(col, cell)
                except ValueError as exc:
                    errors[col.key] = str(exc)
                else:
                    if v is not None and v != "":
                        values[col.key] = v
            row["_values"], row["_errors"] = values, errors
            if "student_number" in values:
                row["全国学籍号"] = values["student_number"]

        def _school(self, code):
            if code not in self.schools:
                self.schools[code] = School.objects.visible_to(actor, "students.import").filter(code=code).first()
            return self.schools[code]

        def _class(self, school, name):
            key = (school.pk, name)
            if key not in self.classes:
                self.classes[key] = SchoolClass.objects.filter(school=school, school_year=year, name=name).first()
            return self.classes[key]

        def import_instance(self, instance, row, **kwargs):
            v = row["_values"]
            errors = dict(row["_errors"])
            for k in RECORD_KEYS:
                if k in v and k not in ("school", "school_class"):
                    setattr(instance, k, v[k])
            school = self._school(v["school"]) if "school" in v else None
            if "school" in v and school is None:
                errors["school"] = "No school with this code inside your scope."
            if school is not None:
                instance.school = school
                if "school_class" in v:
                    sc = self._class(school, v["school_class"])
                    if sc is None:
                        errors["school_class"] = "No class with this name in the school."
                    instance.school_class = sc
            for col in COLUMNS:
                if col.required and col.key not in v and col.key not in errors:
                    errors[col.key] = "This field is required."
            if errors:  # passed on to validate_instance, combined with the record's errors
                raise ValidationError({k: [m] for k, m in errors.items()})

        def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
            """The services' record rules, the derived fields and the model's field validators (no queries)."""
            errors = {k: list(m) for k, m in (import_validation_errors or {}).items()}
            for e in services.check_record(instance):
                errors.setdefault(e["field"], []).append(str(e["message"]))
            if instance.school_id:
                services._derive(instance)
            exclude = ["school", "school_class", "region_path", "id_number_hash", "id_number_masked",
                       "certificate_masked", *errors]
            try:
                instance.clean_fields(exclude=exclude)
            except ValidationError as exc:
                for k, msgs in exc.message_dict.items():
                    errors.setdefault(k, []).extend(msgs)
            if errors:
                raise ValidationError(errors)

        def save_instance(self, instance, is_create, row, **kwargs):
            v = row["_values"]
            fields_ = {k: getattr(instance, k) for k in services.EDITABLE
                       if k in v or k in ("placement", "status", "school", "school_class")}
            guardians = ([{"name": v["guardian_name"], "relation": v.get("guardian_relation", ""),
                           "phone": v.get("guardian_phone", "")}] if v.get("guardian_name") else [])
            try:
                s, _warnings = services.student_create(actor=actor, guardians=guardians,
                                                       committee_opinion=v.get("committee_opinion", ""), **fields_)
            except DomainError as exc:
                raise ValidationError({e.get("field") or "__all__": [str(e["message"])]
                                       for e in (exc.errors or [{"field": exc.field, "message": exc.message}])}
                                      ) from exc
            instance.pk = s.pk

    return StudentResource()


def peer_import(actor, data: bytes) -> dict:
    """Dry run, then the import; both rolled back at the end. Returns the timings and the answers."""
    from django.db import transaction
    from tablib import Dataset

    class Rollback(Exception):
        pass

    out = {}
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            dataset = Dataset().load(io.BytesIO(data), format="xlsx")
            resource = student_resource(actor)
            t = time.perf_counter()
            dry = resource.import_data(dataset, dry_run=True, raise_errors=False)
            out["dry_run_ms"] = round((time.perf_counter() - t) * 1000, 1)
            out["dry_run_errors"] = _errors(dry)
            if not out["dry_run_errors"]:
                resource = student_resource(actor)
                t = time.perf_counter()
                real = resource.import_data(dataset, dry_run=False, raise_errors=False)
                out["import_ms"] = round((time.perf_counter() - t) * 1000, 1)
                out["import_errors"] = _errors(real)
                out["totals"] = {k: v for k, v in real.totals.items() if v}
            out["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            raise Rollback
    except Rollback:
        pass
    return out


def _errors(result):
    found = []
    for row in result.invalid_rows[:3]:
        found.append({"row": row.number, "errors": row.error_dict})
    for row in result.error_rows[:3]:
        found.append({"row": row.number, "error": str(row.errors[0].error)[:300]})
    if result.base_errors:
        found.append({"error": str(result.base_errors[0].error)[:300]})
    return found


def import_benchmarks(args, log, u, api, want):
    """Ours (POST /api/v1/students/import) and the peer, on the same file of ``--import-rows`` new students."""
    from bench.run import build_import_file, import_rows, summary

    name_ours, name_peer = (f"Import peer {args.import_rows} rows: ours (POST /api/v1/students/import)",
                            f"Import peer {args.import_rows} rows: django-import-export (dry run + import)")
    if not (want(name_ours) or want(name_peer)):
        return []
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    client, actor = api["scale_province"], u["scale_province"]
    template = client.get("/api/v1/students/import-template.xlsx").content
    data, _unmapped = build_import_file(template, import_rows(args.import_rows, args.seed))
    rows = []

    class Rollback(Exception):
        pass

    ours, answer = [], {}
    for _i in range(args.import_repeat):
        t = time.perf_counter()
        try:
            with transaction.atomic():
                r = client.post("/api/v1/students/import",
                                {"file": SimpleUploadedFile("students.xlsx", data)})
                answer = json.loads(r.content)
                raise Rollback
        except Rollback:
            pass
        ours.append((time.perf_counter() - t) * 1000)
    log(f"… {name_ours}: {summary(ours)}")
    answer.pop("warnings", None)
    rows.append({"name": name_ours, "kind": "peer import", "user": "scale_province", "rows": args.import_rows,
                 "status": "ok" if r.status_code == 200 else "error", "answer": answer, **summary(ours)})
    peer, last = [], {}
    for _i in range(args.import_repeat):
        last = peer_import(actor, data)
        peer.append(last["total_ms"])
    log(f"… {name_peer}: {summary(peer)} {last}")
    note = f"dry run {last.get('dry_run_ms')} ms + import {last.get('import_ms')} ms"
    if last.get("dry_run_errors"):
        note += "; errors " + json.dumps(last["dry_run_errors"], ensure_ascii=False)[:400]
    rows.append({"name": name_peer, "kind": "peer import", "user": "scale_province", "rows": args.import_rows,
                 "status": "ok" if "import_ms" in last and not last.get("import_errors") else "error",
                 "peer": last, "note": note, **summary(peer)})
    return rows
