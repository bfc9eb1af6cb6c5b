import {test} from 'node:test'
import assert from 'node:assert/strict'
import {renderTemplate, type TemplateError} from '../../../src/metadata/template.js'

const vars = {hostname: 'waf-01', id: 'waf-01', ip: '10.0.0.2', role: 'waf', empty: '', meta: {role: 'waf', rack: 'b12', n: 3}}

test('templates fill variables, meta.key and bare merged keys', () => {
  assert.equal(renderTemplate('{{ hostname }}/{{ip}}/{{ meta.rack }}/{{ role }}/{{ meta.n }}', vars), 'waf-01/10.0.0.2/b12/waf/3')
})

test('filters: default, upper, lower, json, shell', () => {
  assert.equal(renderTemplate('{{ missing | default("x") }} {{ empty | default(\'y\') }} {{ role | default("z") }}', vars), 'x y waf')
  assert.equal(renderTemplate('{{ hostname | upper }} {{ "ABC" | lower }}', vars), 'WAF-01 abc')
  assert.equal(renderTemplate('{{ meta | json }}', vars), '{"role":"waf","rack":"b12","n":3}')
  assert.equal(renderTemplate('{{ "it\'s" | shell }}', vars), `'it'\\''s'`)
  assert.equal(renderTemplate('{{ "{{" }} literal', vars), '{{ literal')
})

test('an unknown variable is an error at its offset that names the nearest known one', () => {
  const text = '#!/bin/sh\necho {{ hostnme }}'
  assert.throws(
    () => renderTemplate(text, vars),
    (err: TemplateError) => {
      assert.equal(err.offset, text.indexOf('{{'))
      assert.match(err.message, /unknown template variable `hostnme`/)
      assert.match(err.hint ?? '', /did you mean `hostname`/)
      return true
    },
  )
})

test('unknown filters, unclosed braces and empty expressions are errors', () => {
  assert.throws(() => renderTemplate('{{ hostname | uper }}', vars), /unknown filter `uper`/)
  assert.throws(() => renderTemplate('{{ hostname ', vars), /never closed/)
  assert.throws(() => renderTemplate('{{ }}', vars), /empty/)
  assert.throws(() => renderTemplate('{{ a b }}', vars), /cannot read/)
})

test('a text starting with "## template: jinja" is left untouched', () => {
  const t = '## template: jinja\n#!/bin/sh\necho {{ v1.local_hostname }} {{ nope }}\n'
  assert.equal(renderTemplate(t, vars), t)
})

test('text without {{ is returned as is', () => {
  assert.equal(renderTemplate('#cloud-config\n{}\n', vars), '#cloud-config\n{}\n')
})
