"""The browser view of slsim (Solara): ``slsim app`` starts it; :mod:`slsim.app.page` is the page.

The page's rooms are :mod:`~slsim.app.explore`, :mod:`~slsim.app.compare` and
:mod:`~slsim.app.learn`; their texts live in :mod:`~slsim.app.content`, the style sheet in
:mod:`~slsim.app.styles`, what they share in :mod:`~slsim.app.widgets`. Importing this package
does not import Solara; :mod:`slsim.app.state` and :mod:`slsim.app.charts` work without it.
"""
