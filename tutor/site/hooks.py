"""MkDocs hooks for the course site (``hooks: [tutor/site/hooks.py]`` in mkdocs.yml).

Only the hook functions live here; each hands its work to the module that holds it.
MkDocs loads this file by path (not as ``tutor.site.hooks``), so it keeps no state of its
own: the files made from notebook pages are collected in
:data:`tutor.site.notebook_page.NOTEBOOK_FILES`.

By MkDocs event:

- ``on_config``: fetches the pinned npm packages the site serves (:mod:`.vendor`), and
  drops from the nav the notebooks that are not written yet (:mod:`.lesson_nav`), so the
  site builds with ``--strict`` while the notebooks land one by one.
- ``on_files``: generates ``quiz/easy.md`` and ``quiz/medium.md`` from the question bank
  (:mod:`.quiz_page`; :func:`tutor.questions.load_bank`, so ``$TUTOR_QUESTIONS_DIR``
  applies). The YAML stays the one source of truth: the generated pages are never committed.
- ``on_page_markdown``: turns a lesson's link to a notebook that does not exist yet into
  plain text (:mod:`.lesson_nav`).
- ``on_page_content``: rewrites notebook pages (:mod:`.notebook_page`: action bar, shared
  stylesheet, code cells out of search, links to the built pages, plots as files), lets
  lesson table code wrap only between words (:mod:`.lesson_page`), fills a lesson's
  Exercises section (:mod:`.exercises`), and adds the on-demand scripts a page asks for
  (:mod:`.vendor`:
  Mermaid only where there is a diagram).
- ``on_post_build``: writes the notebook stylesheet and plots, checks the anchors the
  notebooks link to (a broken link fails ``--strict``), and rewrites the formulas in the
  search index as readable text (:mod:`.search_index`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.site import (
    exercises,
    lesson_nav,
    lesson_page,
    live_model,
    notebook_page,
    quiz_page,
    search_index,
    vendor,
)

try:
    from mkdocs.plugins import event_priority as _event_priority
except ImportError:  # the modules are usable (and tested) without MkDocs

    def _event_priority(priority: float) -> Callable[[Any], Any]:
        return lambda function: function


log = logging.getLogger("mkdocs.hooks.tutor_site")


def on_config(config: Any) -> Any:
    from mkdocs.exceptions import PluginError

    docs = Path(config["docs_dir"])
    for package in vendor.VENDORED.values():
        try:
            if vendor.ensure(package, docs):
                log.info("Fetched %s from the npm registry", package.spec)
        except (OSError, ValueError) as exc:
            raise PluginError(
                f"{package.spec} is missing from docs/{vendor.VENDOR_DIR} and could not be "
                f"fetched ({exc}); the first build needs the npm registry once."
            ) from exc
    try:  # the lesson widgets' model: exported once per model (tutor/site/live_model.py)
        if live_model.ensure(docs).built:
            log.info("Exported the packaged MiniLM to ONNX for the lesson widgets")
    except (ImportError, LookupError) as exc:
        log.info("Lesson widgets without a model (%s): they say so in the page", exc)
    if config.get("nav"):
        config["nav"] = lesson_nav.prune_nav(config["nav"], lambda t: (docs / t).is_file())
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    from tutor.errors import TutorError
    from tutor.questions import LEVELS, load_bank

    try:
        bank = load_bank()
    except TutorError as exc:
        raise PluginError(f"The question bank cannot be loaded: {exc.format_message()}") from exc
    try:
        exercises.load()  # the lessons' Exercises sections (on_page_content)
    except TutorError as exc:
        raise PluginError(f"The exercises cannot be loaded: {exc.format_message()}") from exc

    def read_source(page: str) -> str | None:
        file = files.get_file_from_path(page)
        return None if file is None else file.content_string

    label = lesson_nav.lesson_labeller(read_source)
    # The question types' templates are theme overrides (docs/overrides/quiz/<type>.html).
    templates = Path(config["theme"].custom_dir or quiz_page.TEMPLATES_DIR)
    for level in LEVELS:
        src_uri = f"{quiz_page.QUIZ_DIR}/{level}.md"
        existing = files.get_file_from_path(src_uri)
        if existing is not None:
            # A committed copy would silently shadow the YAML: refuse (a warning fails --strict).
            log.warning("%s is generated from the question bank; delete docs/%s", src_uri, src_uri)
            files.remove(existing)
        content = quiz_page.render_quiz_page(bank.questions, level, label, templates)
        files.append(File.generated(config, src_uri, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return lesson_nav.unlink_missing_notebooks(
        markdown, page.file.src_uri, lambda path: files.get_file_from_path(path) is not None
    )


def on_pre_build(config: Any) -> None:
    notebook_page.NOTEBOOK_FILES.clear()


def on_page_content(html_: str, page: Any, config: Any, files: Any) -> str:
    from mkdocs.utils import get_relative_url

    src_uri = page.file.src_uri
    if src_uri.endswith(".ipynb"):

        def resolve(path: str) -> str | None:
            file = files.get_file_from_path(path)
            return None if file is None else file.url

        notebook = json.loads(Path(page.file.abs_src_path).read_text(encoding="utf-8"))
        rendered = notebook_page.render_notebook_page(
            html_,
            src_uri,
            page.url,
            notebook,
            page.toc or [],
            notebook_page.NOTEBOOK_FILES,
            resolve,
        )
        for problem in rendered.problems:
            log.warning("%s", problem)  # a warning fails the strict build
        html_ = rendered.content
        # JupyterLab's CSS, then the site's touches to it, which win at equal specificity.
        sheets = [rendered.stylesheet, notebook_page.NOTEBOOK_STYLES]
        links = [
            f'<link rel="stylesheet" href="{get_relative_url(sheet, page.url)}">'
            for sheet in sheets
            if sheet is not None
        ]
        html_ = "\n".join([*links, html_])
    else:
        html_ = lesson_page.break_table_code(html_)
        html_ = exercises.fill_page(html_, src_uri)
    scripts = vendor.scripts_for(html_)
    for script in scripts:
        html_ += f'\n<script src="{get_relative_url(script, page.url)}"></script>'
    return html_ + ("\n" if scripts else "")


@_event_priority(-100)
def on_post_build(config: Any) -> None:
    """Runs after the search plugin has written its index."""
    site = Path(config["site_dir"])
    notebook_page.NOTEBOOK_FILES.write(site)
    for problem in notebook_page.missing_anchors(site, notebook_page.NOTEBOOK_FILES.anchor_checks):
        log.warning("%s", problem)  # a warning fails the strict build
    search_index.rewrite_search_index(site)
