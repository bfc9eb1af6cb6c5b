/** `netops metadata redirect`: the host-side rules that send 169.254.169.254:80 to the server. */
export * from './plan.js'
export {
  applyRedirect,
  describeRedirect,
  removeRedirect,
  parseIptablesRules,
  splitRuleLine,
  sameRuleSpec,
  type RedirectResult,
} from './apply.js'
