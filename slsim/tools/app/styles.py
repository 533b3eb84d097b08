"""The browser view's style sheet (one place, so the look can change without touching the rooms).

Rules it keeps: text and controls meet WCAG 2.1 AA contrast (4.5:1 for text, 3:1 for large text
and control outlines); every focusable element shows a thick focus ring; chart text is at least
12 px (charts are never drawn narrower than their SVG viewBox at their smallest font); the layout
works from 390 px to 1920 px wide; presentation mode puts the week, the network and the headline
charts with their sentences on one 1280x720 screen, with the trainer controls in a drawer.
"""

CSS = """
.slsim-root { font-size: 15px; color: #1c2833; }
.slsim-root h1 { font-size: 24px; font-weight: 700; margin: 0 12px 0 0; }
.slsim-hidden { display: none !important; }

/* keyboard users see where they are */
.slsim-root a:focus-visible, .slsim-root button:focus-visible, .slsim-root input:focus-visible,
.slsim-root summary:focus-visible, .slsim-root [tabindex]:focus-visible, .slsim-root .v-btn:focus,
.slsim-root .v-slider__thumb-container:focus-within {
  outline: 3px solid #0b5394 !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #ffffff !important; }

/* buttons with AA contrast (Vuetify's success and warning colours are 2.8:1 and 2.4:1 on white text) */
.slsim-play.v-btn { background-color: #1b5e20 !important; color: #ffffff !important; }
.slsim-pause.v-btn { background-color: #8a4500 !important; color: #ffffff !important; }
.slsim-root .v-btn.primary { background-color: #0b5394 !important; }

/* layout: set-up column beside the room, stacked on narrow screens */
.slsim-explore { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.slsim-setup { flex: 1 1 300px; max-width: 400px; min-width: 0; }
.slsim-main { flex: 3 1 620px; min-width: 0; }
.slsim-stage { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.slsim-net-box { flex: 0 1 540px; max-width: 100%; min-width: 0; }
.slsim-controls { flex: 1 1 380px; min-width: 0; max-width: 100%; }
.slsim-controls .slsim-drawer-head { display: none !important; }  /* beats Vuetify's .d-flex */
.slsim-headline-box:empty { display: none; }
.slsim-grid { display: flex; flex-wrap: wrap; gap: 8px; }
.slsim-cell { width: 270px; max-width: 100%; border: 1px solid #d5d8dc; border-radius: 4px; background: white; }
.slsim-cell svg, .slsim-net svg { width: 100%; height: auto; display: block; }
.slsim-net { width: 100%; border: 1px solid #d5d8dc; border-radius: 4px; }
.slsim-help { font-size: 13px; color: #4d5656; margin: 0 0 8px 0; }
.slsim-help summary { cursor: pointer; color: #0b5394; }
.slsim-cell .slsim-help { padding: 0 6px; }
.slsim-error { color: #a93226; font-size: 14px; font-weight: 600; display: block; margin-bottom: 8px; }
.slsim-msg { color: #1d6a3a; font-size: 14px; }
.slsim-now { font-size: 14px; }
.slsim-week { font-size: 24px; font-weight: 700; margin: 0 12px; white-space: nowrap; }
.slsim-log { max-height: 360px; overflow-y: auto; font-size: 14px; }
.slsim-log table { border-collapse: collapse; width: 100%; }
.slsim-log td { padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.slsim-log tr.hl td { background: #fcf3cf; }
.slsim-sentence { font-size: 17px; margin: 4px 0; display: block; }
.slsim-code { font-family: monospace; font-size: 13px; background: #f4f6f7; padding: 6px; display: block;
              white-space: pre-wrap; word-break: break-all; }
.slsim-diff { overflow-x: auto; }
.slsim-diff table { border-collapse: collapse; font-size: 13px; }
.slsim-diff td, .slsim-diff th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
.slsim-diff td:first-child, .slsim-diff th:first-child { text-align: left; }
.slsim-marks-legend { font-size: 14px; margin: 6px 0; }
.slsim-marks-legend ul { list-style: none; padding-left: 0; margin: 2px 0; }
.slsim-mark-key { display: inline-block; min-width: 1.6em; padding-left: 4px; font-weight: 700; }
/* the tour's card stays at the top of the screen while the page scrolls to what it describes */
.slsim-tour { position: sticky; top: 4px; z-index: 15; max-height: 45vh; overflow-y: auto;
              box-shadow: 0 2px 10px rgba(0,0,0,0.25) !important; }
.slsim-tour-target { outline: 4px solid #b9770e !important; outline-offset: 3px; border-radius: 4px; }
.slsim-root .v-input { max-width: 100%; }

/* presentation mode: one projector screen */
.slsim-present { font-size: 20px; }
.slsim-present h1 { font-size: 26px; }
.slsim-present .slsim-week { font-size: 36px; }
.slsim-present .slsim-sentence { font-size: 24px; }
.slsim-present .slsim-log { font-size: 18px; max-height: 600px; }
.slsim-present .v-btn { font-size: 17px !important; }
.slsim-present-mode .slsim-setup { display: none !important; }
.slsim-present-mode .slsim-stage { display: grid; grid-template-columns: minmax(0, 42fr) minmax(0, 58fr);
                                   gap: 12px; align-items: start; }
.slsim-present-mode .slsim-net-box { max-width: none; }
.slsim-present-mode .slsim-net svg { max-height: calc(100vh - 150px); }
.slsim-present-mode .slsim-staff-ties-box, .slsim-present-mode .slsim-smooth-switch { display: none !important; }
.slsim-present-mode .slsim-headline { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
.slsim-present-mode .slsim-headline .slsim-cell { width: auto; }
.slsim-headline-sentence { font-size: 18px; line-height: 1.25; margin: 2px 6px 6px 6px; }
/* the projector's legend is compact, the marks side by side, so it stays on the 720 px screen */
.slsim-present-mode .slsim-headline-legend .slsim-marks-legend { font-size: 15px; margin: 2px 0; }
.slsim-present-mode .slsim-headline-legend li { display: inline; margin-right: 14px; }
.slsim-present-mode .slsim-headline-legend ul { display: inline; }
.slsim-present-mode .slsim-smoothing-note { font-size: 13px; margin: 0; }
.slsim-present-mode .slsim-controls { position: fixed; top: 0; right: 0; bottom: 0; width: min(560px, 100vw);
  background: white; box-shadow: -4px 0 16px rgba(0,0,0,0.25); overflow-y: auto; z-index: 20; padding: 10px;
  transform: translateX(105%); visibility: hidden; transition: transform 0.2s; font-size: 16px; }
.slsim-present-mode .slsim-controls.slsim-drawer-open { transform: none; visibility: visible; }
.slsim-present-mode .slsim-controls .slsim-drawer-head { display: flex !important; justify-content: space-between;
                                        align-items: center; }
.slsim-drawer-title { font-size: 20px; font-weight: 700; }
.slsim-drawer-btn { display: none !important; }
.slsim-present-mode .slsim-drawer-btn { display: inline-flex !important; }
.slsim-present-mode .slsim-msg { font-size: 16px; }

/* narrow screens (a phone is 390 px wide): one column, nothing wider than the screen */
@media (max-width: 700px) {
  .slsim-root h1 { font-size: 19px; }
  .slsim-setup { max-width: 100%; flex-basis: 100%; }
  .slsim-main { flex-basis: 100%; }
  .slsim-cell { width: 100%; }
  .slsim-controls { flex-basis: 100%; }
  .slsim-present-mode .slsim-stage { grid-template-columns: minmax(0, 1fr); }
  .slsim-present-mode .slsim-headline { grid-template-columns: minmax(0, 1fr); }
}
"""
