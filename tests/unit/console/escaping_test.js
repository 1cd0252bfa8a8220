// escaping_test.js -- the console pages' DOM builder (src/console/www/static/common.js): text stays text, links only to
// site paths or http(s). Runs common.js in node's vm with a minimal document that records what is built.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vm = require('vm');

// The smallest DOM common.js needs: elements with attributes and children, text nodes that hold text.
class Node {}
class Text extends Node { constructor(t) { super(); this.text = t; } }
class Element extends Node {
  constructor(tag) { super(); this.tag = tag; this.attrs = {}; this.children = []; this.listeners = {}; this.dataset = {}; }
  setAttribute(k, v) { this.attrs[k] = v; }
  getAttribute(k) { return this.attrs[k]; }
  appendChild(c) { this.children.push(c); return c; }
  insertBefore(c) { this.children.unshift(c); return c; }
  addEventListener(k, f) { this.listeners[k] = f; }
  get innerHTML() { throw new Error('innerHTML read'); }
  set innerHTML(v) { throw new Error('innerHTML written: ' + v); }
}
const body = new Element('body');
body.dataset.nav = '/';
const document = {
  body,
  createElement: (t) => new Element(t),
  createTextNode: (t) => new Text(t),
  getElementById: () => null,
};
const ctx = { window: {}, document, Node, console, URLSearchParams, setInterval, clearInterval };
vm.createContext(ctx);
const src = path.join(__dirname, '../../../src/console/www/static/common.js');
vm.runInContext(fs.readFileSync(src, 'utf8'), ctx, { filename: src });
const qf = ctx.window.qf;
let checks = 0;
function check(cond, msg) { checks++; assert.ok(cond, msg); }

const evil = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';
const td = qf.el('td', { class: 'q' }, evil, ['nested ', [evil]], null, 42);
check(td.children.every((c) => c instanceof Text), 'every child of a string is a text node');
check(td.children.map((c) => c.text).join('') === evil + 'nested ' + evil + '42', 'the text is kept exactly');
check(td.attrs.class === 'q', 'attributes are set');

const child = qf.el('b', {}, 'x');
const p = qf.el('p', {}, child);
check(p.children[0] === child, 'nodes are appended as they are');

check(qf.el('a', { href: 'javascript:alert(1)' }).attrs.href === '#', 'javascript: links are refused');
check(qf.el('a', { href: 'JaVaScRiPt:alert(1)' }).attrs.href === '#', 'in any case');
check(qf.el('a', { href: 'data:text/html,<script>x</script>' }).attrs.href === '#', 'data: links are refused');
check(qf.el('a', { href: '//evil.example/x' }).attrs.href === '#', 'protocol-relative links are refused');
check(qf.el('a', { href: '/questions/q_1' }).attrs.href === '/questions/q_1', 'site paths are kept');
check(qf.el('a', { href: 'http://127.0.0.1:8081' }).attrs.href === 'http://127.0.0.1:8081', 'http URLs are kept');

let clicked = 0;
const btn = qf.el('button', { onclick: () => clicked++, disabled: false, title: undefined });
btn.listeners.click();
check(clicked === 1 && !('onclick' in btn.attrs), 'on* become listeners, never attributes');
check(!('disabled' in btn.attrs) && !('title' in btn.attrs), 'false/undefined attributes are left out');

const badge = qf.badge('<b>x</b>');
check(badge.children[0] instanceof Text && badge.children[0].text === '<b>x</b>', 'a badge shows its value as text');
check(body.children[0].tag === 'nav', 'the navigation bar is built');
console.error(`${checks} checks, 0 failed`);
