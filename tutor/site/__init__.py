"""The course site's build: MkDocs hooks (:mod:`tutor.site.hooks`) and one module per job.

- :mod:`~tutor.site.quiz_page`: the quiz pages from the question bank;
- :mod:`~tutor.site.lesson_nav`: lesson labels, and notebooks not written yet;
- :mod:`~tutor.site.lesson_page`: lesson HTML touch-ups;
- :mod:`~tutor.site.notebook_page`: notebook pages (action bar, stylesheet, search, links);
- :mod:`~tutor.site.notebook_figures`: notebook plots as linked files with alt text;
- :mod:`~tutor.site.search_index`: formulas in the search index as readable text;
- :mod:`~tutor.site.vendor`: pinned npm packages served from the site, and the scripts a
  page loads only when it needs them.
"""
