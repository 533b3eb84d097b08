"""The browser view of slsim (Solara): ``slsim app`` starts it; :mod:`slsim.app.page` is the page.

Importing this package does not import Solara; :mod:`slsim.app.state` and :mod:`slsim.app.charts`
work without it.
"""
