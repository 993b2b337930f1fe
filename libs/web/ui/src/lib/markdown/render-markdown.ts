import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type TokenizerAndRendererExtension, Tokens } from 'marked';

// Only the common languages: the full highlight.js bundle is ~1 MB.
const LANGUAGES = { bash, css, diff, go, java, javascript, json, python, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** The reader's username while one parse runs (parsing is synchronous), so their own mentions stand out. */
let mentionOf: string | null = null;

/** `@username` (the contract's USER_MENTION_PATTERN, anchored) at the start of what is left to lex. */
const MENTION_AT_START = /^@([a-z0-9][a-z0-9._-]{0,63})/i;

/**
 * `@name` becomes a mention chip. Lexed as a token (not a regex over the HTML) so mentions inside
 * code, links and URLs stay as written; an `@` glued to a word (an e-mail address) is no mention.
 */
const mentions: TokenizerAndRendererExtension = {
  name: 'mention',
  level: 'inline',
  start(src: string) {
    const match = /(^|[^\w@])@[a-z0-9]/i.exec(src);
    return match ? match.index + match[1].length : undefined;
  },
  tokenizer(src: string, tokens: Tokens.Generic[]) {
    const match = MENTION_AT_START.exec(src);
    const before = tokens[tokens.length - 1]?.raw ?? '';
    if (!match || /[\w@]$/.test(before)) return undefined;
    // Trailing punctuation ends the sentence, not the name ("thanks @bob.").
    const name = match[1].replace(/[._-]+$/, '');
    return { type: 'mention', raw: `@${name}`, name };
  },
  renderer(token) {
    const name = String(token['name']);
    const own = mentionOf !== null && name.toLowerCase() === mentionOf;
    return `<span class="mention${own ? ' mention-me' : ''}" data-mention="${escapeHtml(name.toLowerCase())}">@${escapeHtml(name)}</span>`;
  },
};

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const language = lang?.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      const known = language !== '' && hljs.getLanguage(language) !== undefined;
      const body = known ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
      const label = language ? `<span class="code-lang">${escapeHtml(language)}</span>` : '';
      return `<pre>${label}<code class="hljs${known ? ` language-${escapeHtml(language)}` : ''}">${body}</code></pre>`;
    },
    // A model's reply is Markdown, not HTML: raw HTML in it is shown as text.
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
  },
  extensions: [mentions],
});

let hooked = false;
function purifier(): typeof DOMPurify {
  if (!hooked) {
    // Links open in a new tab and give the target no handle on this page.
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
    hooked = true;
  }
  return DOMPurify;
}

/**
 * Markdown (GFM) to sanitised HTML, code blocks highlighted, `@name` mentions marked. DOMPurify runs
 * last, on everything, so nothing a model or a person writes can carry script, handlers, styles,
 * forms or remote images.
 */
export function renderMarkdown(markdown: string, options: { me?: string | null } = {}): string {
  mentionOf = options.me?.toLowerCase() ?? null;
  let html: string;
  try {
    html = marked.parse(markdown, { async: false });
  } finally {
    mentionOf = null;
  }
  return purifier().sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img', 'video', 'audio', 'iframe'],
    FORBID_ATTR: ['style'],
  });
}
