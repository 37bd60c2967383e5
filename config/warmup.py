"""What a web worker would otherwise make on its first requests, made once in gunicorn's
master before it forks (the `when_ready` hook): the URL table, every template compiled, the
models' field maps, pygal's first drawings and the code's release digest. A worker's first
page of a kind then costs about what the later ones do, and what the master made stays
shared between the workers.
Nothing here opens a database or Redis connection."""

from pathlib import Path

from django.apps import apps
from django.template import TemplateSyntaxError, engines
from django.urls import get_resolver


def template_names() -> list[str]:
    """Every template of the project's folder and of the installed apps' `templates/`."""
    engine = engines["django"].engine
    folders = [Path(folder) for folder in engine.dirs]
    if engine.app_dirs:
        folders += [
            Path(config.path) / "templates"
            for config in apps.get_app_configs()
            if (Path(config.path) / "templates").is_dir()
        ]
    names = set()
    for folder in folders:
        names |= {
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".svg"}
        }
    return sorted(names)


def compile_templates() -> int:
    """Load every template into the cached loader; how many."""
    engine = engines["django"].engine
    names = template_names()
    for name in names:
        try:
            engine.get_template(name)
        except TemplateSyntaxError:  # a library's page for a part not installed here
            continue
    return len(names)


def warm_up() -> None:
    """All of the above, in the process that calls it."""
    get_resolver().reverse_dict  # noqa: B018 - reading it fills the table
    compile_templates()
    for model in apps.get_models():
        model._meta.get_fields()
        model._meta.related_objects  # noqa: B018
    from accounts.versions import release
    from progress.charts import warm_up as draw_once

    draw_once()
    release()
