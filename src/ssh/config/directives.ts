/**
 * Every keyword OpenSSH 9.2 (Debian 12 build) knows in a client config, and what netops does with it.
 *
 * | class    | keywords                                                                                       | why |
 * |----------|-----------------------------------------------------------------------------------------------|-----|
 * | honoured | Host Match Include IgnoreUnknown HostName User Port IdentityFile IdentitiesOnly IdentityAgent  | resolved exactly as ssh does (ssh -G differential test) |
 * |          | UserKnownHostsFile StrictHostKeyChecking ConnectTimeout ProxyJump ProxyCommand                 | |
 * |          | HostKeyAlgorithms KexAlgorithms Ciphers MACs CanonicalizeHostname (no DNS) CanonicalDomains    | |
 * |          | CanonicalizeMaxDots CanonicalizeFallbackLocal CanonicalizePermittedCNAMEs (none)              | |
 * | refused  | BindAddress BindInterface AddressFamily (inet/inet6) ProxyUseFdpass (yes) CertificateFile     | they change where from, to which key, or how we reach or prove the host, |
 * |          | PKCS11Provider/SmartcardDevice HostKeyAlias KnownHostsCommand RevokedHostKeys                  | and ssh2 / netops cannot do it: skipping them would connect differently |
 * |          | CanonicalizeHostname with DNS work (CanonicalDomains, anchored names, PermittedCNAMEs),        | than ssh, so the value is refused with file:line |
 * |          | ProxyCommand - (stdin/stdout as the connection), UserKnownHostsFile with several existing files| (the last in ../target.ts: netops checks one file) |
 * | ignored  | authentication preferences (PasswordAuthentication, PubkeyAuthentication, PreferredAuthentications, | netops picks keys, agent, password itself; these never send us to another host |
 * |          | KbdInteractive*, NumberOfPasswordPrompts, Hostbased*, GSSAPI*, PubkeyAcceptedAlgorithms, CASignatureAlgorithms, | |
 * |          | AddKeysToAgent, SecurityKeyProvider, RequiredRSASize, BatchMode), session and forwarding (Forward*, | netops opens no forwards, tunnels, X11, agent forwarding |
 * |          | LocalForward RemoteForward DynamicForward Tunnel* GatewayPorts PermitRemoteOpen StreamLocal*  | or multiplexing and runs its own commands: |
 * |          | ExitOnForwardFailure ClearAllForwardings Control* RemoteCommand LocalCommand PermitLocalCommand| ignoring them cannot reach a different device |
 * |          | RequestTTY SessionType StdinNull ForkAfterAuthentication SendEnv SetEnv EscapeChar             | |
 * |          | EnableEscapeCommandline), transport tuning (ServerAlive*, TCPKeepAlive, ConnectionAttempts, | |
 * |          | RekeyLimit, IPQoS, Compression), host-key extras that only ever make ssh MORE permissive or    | |
 * |          | write files (GlobalKnownHostsFile, CheckHostIP, VerifyHostKeyDNS, UpdateHostKeys,             | |
 * |          | HashKnownHosts, NoHostAuthenticationForLocalhost, VisualHostKey, FingerprintHash), logging   | |
 * |          | (LogLevel, LogVerbose, SyslogFacility), XAuthLocation, and OpenSSH's deprecated/unsupported   | |
 * |          | keywords (Protocol, Cipher, UseRoaming, ...), which ssh itself skips                           | |
 * | unknown  | anything else                                                                                  | an error at file:line, as ssh ("Bad configuration option"), unless IgnoreUnknown lists it |
 */

export type KeywordClass = 'honoured' | 'refused' | 'ignored'

const HONOURED = [
  'host',
  'match',
  'include',
  'ignoreunknown',
  'hostname',
  'user',
  'port',
  'identityfile',
  'identityfile2',
  'identitiesonly',
  'identityagent',
  'userknownhostsfile',
  'stricthostkeychecking',
  'connecttimeout',
  'proxyjump',
  'proxycommand',
  'hostkeyalgorithms',
  'kexalgorithms',
  'ciphers',
  'macs',
  'canonicalizehostname',
  'canonicaldomains',
  'canonicalizemaxdots',
  'canonicalizefallbacklocal',
  'canonicalizepermittedcnames',
]

/** Refused when their effective value is not the harmless one (undefined: any value is refused). */
export const REFUSED: Record<string, {harmless?: string[]; why: string; fix: string}> = {
  bindaddress: {
    why: 'netops cannot choose the local source address',
    fix: 'remove BindAddress for this host (or route via the right interface)',
  },
  bindinterface: {why: 'netops cannot bind to a local interface', fix: 'remove BindInterface for this host'},
  addressfamily: {
    harmless: ['any'],
    why: 'netops cannot restrict the address family',
    fix: 'set HostName to an address of the family you want and remove AddressFamily',
  },
  proxyusefdpass: {
    harmless: ['no', 'false'],
    why: 'netops cannot receive a file descriptor from a ProxyCommand',
    fix: 'use a ProxyCommand that relays on stdin/stdout (e.g. ssh -W %h:%p bastion) or ProxyJump',
  },
  certificatefile: {
    why: 'netops (ssh2) cannot authenticate with OpenSSH certificates',
    fix: 'use a plain key (IdentityFile) for this host',
  },
  pkcs11provider: {
    harmless: ['none'],
    why: 'netops cannot use PKCS#11 tokens',
    fix: 'load the token keys into ssh-agent (ssh-add -s) and remove PKCS11Provider',
  },
  smartcarddevice: {
    harmless: ['none'],
    why: 'netops cannot use smartcards',
    fix: 'load the keys into ssh-agent and remove SmartcardDevice',
  },
  hostkeyalias: {
    why: 'netops checks the host key under the host name, not an alias',
    fix: 'remove HostKeyAlias, or pass --known-hosts with an entry for the real name',
  },
  knownhostscommand: {
    harmless: ['none'],
    why: 'netops cannot obtain host keys from a command',
    fix: 'put the keys in a known_hosts file (UserKnownHostsFile or --known-hosts)',
  },
  revokedhostkeys: {
    harmless: ['none'],
    why: 'netops cannot check revoked host keys',
    fix: 'remove the revoked keys from known_hosts and RevokedHostKeys from the config',
  },
}

const IGNORED = [
  // authentication preferences
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'challengeresponseauthentication',
  'skeyauthentication',
  'tisauthentication',
  'kbdinteractivedevices',
  'pubkeyauthentication',
  'dsaauthentication',
  'hostbasedauthentication',
  'preferredauthentications',
  'numberofpasswordprompts',
  'pubkeyacceptedalgorithms',
  'pubkeyacceptedkeytypes',
  'hostbasedacceptedalgorithms',
  'hostbasedkeytypes',
  'casignaturealgorithms',
  'addkeystoagent',
  'securitykeyprovider',
  'requiredrsasize',
  'batchmode',
  'enablesshkeysign',
  'gssapiauthentication',
  'gssapidelegatecredentials',
  'gssapikeyexchange',
  'gssapiclientidentity',
  'gssapiserveridentity',
  'gssapirenewalforcesrekey',
  'gssapitrustdns',
  'gssapikexalgorithms',
  // sessions, forwarding, multiplexing
  'forwardagent',
  'forwardx11',
  'forwardx11trusted',
  'forwardx11timeout',
  'xauthlocation',
  'localforward',
  'remoteforward',
  'dynamicforward',
  'gatewayports',
  'exitonforwardfailure',
  'clearallforwardings',
  'permitremoteopen',
  'streamlocalbindmask',
  'streamlocalbindunlink',
  'tunnel',
  'tunneldevice',
  'controlmaster',
  'controlpath',
  'controlpersist',
  'remotecommand',
  'localcommand',
  'permitlocalcommand',
  'requesttty',
  'sessiontype',
  'stdinnull',
  'forkafterauthentication',
  'sendenv',
  'setenv',
  'escapechar',
  'enableescapecommandline',
  // transport tuning
  'serveraliveinterval',
  'serveralivecountmax',
  'tcpkeepalive',
  'keepalive',
  'connectionattempts',
  'rekeylimit',
  'ipqos',
  'compression',
  // host-key extras that only relax checks or write files
  'globalknownhostsfile',
  'checkhostip',
  'verifyhostkeydns',
  'updatehostkeys',
  'hashknownhosts',
  'nohostauthenticationforlocalhost',
  'visualhostkey',
  'fingerprinthash',
  // logging
  'loglevel',
  'logverbose',
  'syslogfacility',
  // OpenSSH's own ignored / deprecated / unsupported keywords
  'protocol',
  'cipher',
  'fallbacktorsh',
  'globalknownhostsfile2',
  'rhostsauthentication',
  'userknownhostsfile2',
  'useroaming',
  'usersh',
  'useprivilegedport',
  'afstokenpassing',
  'kerberosauthentication',
  'kerberostgtpassing',
  'rsaauthentication',
  'rhostsrsaauthentication',
  'compressionlevel',
]

const CLASS = new Map<string, KeywordClass>([
  ...HONOURED.map((k) => [k, 'honoured'] as const),
  ...Object.keys(REFUSED).map((k) => [k, 'refused'] as const),
  ...IGNORED.map((k) => [k, 'ignored'] as const),
])

/** What netops does with a (lowercase) keyword; undefined for a keyword OpenSSH does not know either. */
export function keywordClass(keyword: string): KeywordClass | undefined {
  return CLASS.get(keyword)
}
