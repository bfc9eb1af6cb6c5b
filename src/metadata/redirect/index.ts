/** `netops metadata redirect`: the host-side rules that send 169.254.169.254:80 to the server. */
export * from './plan.js'
export {
  applyRedirect,
  describeRedirect,
  removeRedirect,
  runChecked,
  parseIptablesRules,
  parseNftRuleset,
  splitRuleLine,
  sameRuleSpec,
  isMetadataNat,
  isMetadataNatText,
  type RedirectAction,
  type RedirectResult,
  type IptablesRule,
  type NftRuleLine,
} from './apply.js'
