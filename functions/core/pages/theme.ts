/**
 * The default theme: readable type, a single column that fits any screen, dark mode from the
 * reader's system setting, visible focus, and no JavaScript.
 */
export const THEME_CSS = `
:root{color-scheme:light dark;--bg:#fdfdfc;--fg:#1f2328;--muted:#59636e;--accent:#0b57d0;--rule:#d8dee4;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e6e8eb;--muted:#a3acb7;--accent:#8ab4f8;--rule:#30363d;--card:#1a1f26}}
*{box-sizing:border-box}
html{font-size:112.5%}
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.65 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent);text-underline-offset:.15em}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
header.site,footer.site,main{max-width:42rem;margin:0 auto;padding:1rem 1.25rem}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;border-bottom:1px solid var(--rule)}
header.site .name{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
header.site nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
footer.site{border-top:1px solid var(--rule);color:var(--muted);font-size:.9rem}
h1{font-size:1.9rem;line-height:1.25;margin:1.5rem 0 .5rem}
h2{font-size:1.35rem;line-height:1.3}
.meta{color:var(--muted);font-size:.9rem;margin:0 0 1.5rem}
.meta a{color:inherit}
article img,article video,article iframe{max-width:100%;height:auto}
article pre{overflow-x:auto;background:var(--card);padding:.75rem 1rem;border-radius:6px}
article .tags{color:var(--muted);font-size:.9rem;margin-top:2rem}
article .anchor{margin-left:.35em;color:var(--muted);text-decoration:none;font-weight:400}
@media (prefers-color-scheme:dark){article pre.highlight{background:#161b22!important;color:#e6edf3!important}
article .hl-kwd,article .hl-err{color:#ff7b72!important}article .hl-str,article .hl-esc{color:#a5d6ff!important}
article .hl-cmnt{color:#8b949e!important}article .hl-num,article .hl-bool,article .hl-type,article .hl-oper,article .hl-section{color:#79c0ff!important}
article .hl-func{color:#d2a8ff!important}article .hl-class,article .hl-var{color:#ffa657!important}
article .hl-insert{color:#7ee787!important}article .hl-deleted{color:#ffa198!important}}
article code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
article table{border-collapse:collapse;display:block;overflow-x:auto}
article th,article td{border:1px solid var(--rule);padding:.3rem .6rem}
article blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid var(--rule);color:var(--muted)}
figure.cover{margin:0 0 1.5rem}figure.cover img{width:100%;height:auto;border-radius:6px}
ol.posts{list-style:none;padding:0;margin:0}
ol.posts li{padding:1rem 0;border-bottom:1px solid var(--rule)}
ol.posts h2{margin:0 0 .25rem}ol.posts h2 a{text-decoration:none}
ol.posts p{margin:.25rem 0 0}
nav.pages,nav.neighbours{display:flex;justify-content:space-between;gap:1rem;margin:2rem 0}
nav.neighbours a{max-width:48%}
.feeds a{margin-right:1rem}
form.subscribe{display:flex;flex-wrap:wrap;gap:.5rem;margin:1.5rem 0;padding:1rem;background:var(--card);border-radius:6px}
form.subscribe label{flex-basis:100%;font-weight:600}
form.subscribe input{flex:1 1 14rem;padding:.5rem;font:inherit;border:1px solid var(--rule);border-radius:4px;background:var(--bg);color:var(--fg)}
form.subscribe button{padding:.5rem 1rem;font:inherit;border:0;border-radius:4px;background:var(--accent);color:var(--bg);cursor:pointer}
`;
