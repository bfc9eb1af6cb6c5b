import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'

/**
 * IMDSv2 session tokens, stateless: `<expiry-seconds>.<hmac>` where the HMAC (server-private
 * key, fresh per process) binds the expiry to the requesting VM's address. A token is useless
 * from another VM and after its TTL; nothing is stored per token.
 */
export const TOKEN_TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds'
export const TOKEN_HEADER = 'x-aws-ec2-metadata-token'
const MAX_TOKEN_TTL = 21600

export class TokenIssuer {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  private mac(expiry: number, ip: string): string {
    return createHmac('sha256', this.key).update(`${expiry}|${ip}`).digest('base64url')
  }

  issue(ip: string, ttlSeconds: number, nowMs: number): string {
    const expiry = Math.floor(nowMs / 1000) + ttlSeconds
    return `${expiry}.${this.mac(expiry, ip)}`
  }

  verify(token: string, ip: string, nowMs: number): boolean {
    const dot = token.indexOf('.')
    if (dot <= 0 || token.length > 200) return false
    const expiry = Number(token.slice(0, dot))
    if (!Number.isInteger(expiry) || expiry * 1000 <= nowMs) return false
    const given = Buffer.from(token.slice(dot + 1))
    const want = Buffer.from(this.mac(expiry, ip))
    return given.length === want.length && timingSafeEqual(given, want)
  }
}

/** Parse the TTL header: an integer 1..21600, else undefined (→ 400). */
export function parseTtl(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value.trim())) return undefined
  const n = Number(value.trim())
  return n >= 1 && n <= MAX_TOKEN_TTL ? n : undefined
}
