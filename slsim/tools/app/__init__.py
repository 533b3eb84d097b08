"""The browser view of slsim (Solara): ``slsim app`` starts it; :mod:`slsim.tools.app.page` is the page.

The page's rooms are :mod:`~slsim.tools.app.explore`, :mod:`~slsim.tools.app.compare` and
:mod:`~slsim.tools.app.learn`; their texts live in :mod:`~slsim.tools.app.content`, the style sheet in
:mod:`~slsim.tools.app.styles`, what they share in :mod:`~slsim.tools.app.widgets`. Importing this package
does not import Solara; :mod:`slsim.tools.app.state` and the chart kit :mod:`slsim.tools.charts` work without it.
"""
