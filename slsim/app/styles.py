"""The browser view's style sheet (one place for its look; presentation mode only enlarges).

Class names start with ``slsim-``; tests find controls by them, so renaming one is a change to
the tests too.
"""

CSS = """
.slsim-root { font-size: 14px; }
.slsim-hidden { display: none !important; }
.slsim-grid { display: flex; flex-wrap: wrap; gap: 8px; }
.slsim-cell { width: 250px; border: 1px solid #e5e7e9; border-radius: 4px; background: white; }
.slsim-cell svg, .slsim-net svg { width: 100%; height: auto; display: block; }
.slsim-net { width: 540px; max-width: 100%; border: 1px solid #e5e7e9; border-radius: 4px; }
.slsim-help { font-size: 12px; color: #566573; margin: -4px 0 10px 0; }
.slsim-error { color: #b03a2e; font-size: 13px; font-weight: 600; display: block; margin-bottom: 8px; }
.slsim-msg { color: #1e8449; font-size: 13px; }
.slsim-week { font-size: 22px; font-weight: 700; margin: 0 12px; }
.slsim-log { max-height: 360px; overflow-y: auto; font-size: 13px; }
.slsim-log table { border-collapse: collapse; width: 100%; }
.slsim-log td { padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.slsim-log tr.hl td { background: #fcf3cf; }
.slsim-sentence { font-size: 16px; margin: 4px 0; display: block; }
.slsim-code { font-family: monospace; font-size: 12px; background: #f4f6f7; padding: 6px; display: block;
              white-space: pre-wrap; word-break: break-all; }
.slsim-diff table { border-collapse: collapse; font-size: 12px; }
.slsim-diff td, .slsim-diff th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
.slsim-diff td:first-child, .slsim-diff th:first-child { text-align: left; }
.slsim-present { font-size: 22px; }
.slsim-present .slsim-cell { width: 420px; }
.slsim-present .slsim-net { width: 860px; }
.slsim-present .slsim-week { font-size: 36px; }
.slsim-present .slsim-sentence { font-size: 26px; }
.slsim-present .slsim-log { font-size: 20px; max-height: 600px; }
.slsim-present .v-btn { font-size: 18px !important; }
.slsim-present h2, .slsim-present h3 { font-size: 150%; }
"""
