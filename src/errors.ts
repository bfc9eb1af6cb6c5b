/**
 * Typed errors and the exit-code catalogue.
 *
 * Every failure netops reports is a NetopsError subclass carrying a stable `code`
 * (NETOPS_<AREA>_<WHAT>), an `exitCode`, and `suggestions` telling the user what to do.
 * The README's error table lists exactly EXIT_CODES (a unit test checks it).
 */

export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  unreachable: 3,
  refused: 4,
  notFound: 5,
  verifyFailed: 6,
  auth: 7,
  timeout: 8,
  hostKey: 9,
  partial: 10,
  connectionLost: 11,
  precondition: 12,
  dependency: 13,
  permission: 14,
  interrupted: 15,
} as const

export type ExitCodeName = keyof typeof EXIT_CODES

export interface NetopsErrorOptions {
  suggestions?: string[]
  details?: Record<string, unknown>
  cause?: unknown
  /** The user chose this outcome (declined a prompt): shown as a plain notice, not as an error. */
  notice?: boolean
}

export class NetopsError extends Error {
  readonly code: string
  readonly exitCode: number
  readonly suggestions: string[]
  readonly details: Record<string, unknown> | undefined
  /** The user chose this outcome: human mode prints the message plainly (no red `error`), with the exit code. */
  readonly notice: boolean
  /** oclif reads this to pick the process exit code in human mode. */
  readonly oclif: {exit: number}

  constructor(code: string, exitCode: number, message: string, options: NetopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = code
    this.exitCode = exitCode
    this.suggestions = options.suggestions ?? []
    this.details = options.details
    this.notice = options.notice ?? false
    this.oclif = {exit: exitCode}
  }

  /** The stable `--json` shape of an error. */
  toJSON(): {code: string; message: string; exitCode: number; suggestions: string[]; details?: Record<string, unknown>} {
    return {
      code: this.code,
      message: this.message,
      exitCode: this.exitCode,
      suggestions: this.suggestions,
      ...(this.details === undefined ? {} : {details: this.details}),
    }
  }
}

function kind(code: string, exit: ExitCodeName) {
  return class extends NetopsError {
    static readonly code = code
    static readonly exitCode = EXIT_CODES[exit]
    constructor(message: string, options: NetopsErrorOptions = {}) {
      super(code, EXIT_CODES[exit], message, options)
    }
  }
}

/* The catalogue. Keep in sync with the README (test/unit/errors.test.ts checks). */
export class UsageError extends kind('NETOPS_USAGE', 'usage') {}
export class InputError extends kind('NETOPS_INPUT_INVALID', 'usage') {}
export class UnexpectedError extends kind('NETOPS_UNEXPECTED', 'unexpected') {}

export class SshUnreachableError extends kind('NETOPS_SSH_UNREACHABLE', 'unreachable') {}
export class SshAuthError extends kind('NETOPS_SSH_AUTH', 'auth') {}
export class SshTimeoutError extends kind('NETOPS_SSH_TIMEOUT', 'timeout') {}
export class SshHostKeyUnknownError extends kind('NETOPS_SSH_HOSTKEY_UNKNOWN', 'hostKey') {}
export class SshHostKeyChangedError extends kind('NETOPS_SSH_HOSTKEY_CHANGED', 'hostKey') {}
export class SshProtocolError extends kind('NETOPS_SSH_PROTOCOL', 'unreachable') {}
export class ConnectionLostError extends kind('NETOPS_SSH_CONNECTION_LOST', 'connectionLost') {}

export class EnableAuthError extends kind('NETOPS_DEVICE_ENABLE_AUTH', 'auth') {}
export class DeviceCommandError extends kind('NETOPS_DEVICE_COMMAND_REJECTED', 'refused') {}
export class DevicePromptError extends kind('NETOPS_DEVICE_PROMPT', 'refused') {}
export class PortNotFoundError extends kind('NETOPS_SWITCH_PORT_NOT_FOUND', 'notFound') {}
export class PortAmbiguousError extends kind('NETOPS_SWITCH_PORT_AMBIGUOUS', 'usage') {}
export class WrongCauseError extends kind('NETOPS_SWITCH_WRONG_CAUSE', 'precondition') {}
export class PlatformMismatchError extends kind('NETOPS_SWITCH_PLATFORM_MISMATCH', 'usage') {}
export class ConfirmationRequiredError extends kind('NETOPS_CONFIRMATION_REQUIRED', 'precondition') {}
export class VerificationError extends kind('NETOPS_VERIFY_FAILED', 'verifyFailed') {}
export class InterruptedError extends kind('NETOPS_INTERRUPTED', 'interrupted') {}

export class OvsNotInstalledError extends kind('NETOPS_OVS_NOT_INSTALLED', 'dependency') {}
export class OvsDbUnreachableError extends kind('NETOPS_OVS_DB_UNREACHABLE', 'dependency') {}
export class OvsVswitchdDownError extends kind('NETOPS_OVS_VSWITCHD_DOWN', 'dependency') {}
export class OvsCommandError extends kind('NETOPS_OVS_COMMAND_FAILED', 'refused') {}
export class OvsBridgeNotFoundError extends kind('NETOPS_OVS_BRIDGE_NOT_FOUND', 'notFound') {}
export class OvsConflictError extends kind('NETOPS_OVS_CONFLICT', 'precondition') {}
export class PermissionError extends kind('NETOPS_PERMISSION_DENIED', 'permission') {}
export class ExecTimeoutError extends kind('NETOPS_EXEC_TIMEOUT', 'timeout') {}

export class LoopUnknownError extends kind('NETOPS_LOOP_UNKNOWN', 'precondition') {}

export class InventoryError extends kind('NETOPS_METADATA_INVENTORY_INVALID', 'usage') {}
export class InstanceNotFoundError extends kind('NETOPS_METADATA_INSTANCE_NOT_FOUND', 'notFound') {}
export class ListenError extends kind('NETOPS_LISTEN_FAILED', 'unreachable') {}
export class DependencyError extends kind('NETOPS_DEPENDENCY_MISSING', 'dependency') {}
export class RedirectConflictError extends kind('NETOPS_METADATA_REDIRECT_CONFLICT', 'precondition') {}
export class RedirectCommandError extends kind('NETOPS_METADATA_REDIRECT_FAILED', 'refused') {}
export class AdminUnreachableError extends kind('NETOPS_METADATA_ADMIN_UNREACHABLE', 'unreachable') {}
export class ProvisioningTimeoutError extends kind('NETOPS_METADATA_PROVISIONING_TIMEOUT', 'timeout') {}
export class StoreUnreachableError extends kind('NETOPS_METADATA_STORE_UNREACHABLE', 'unreachable') {}
export class StoreAuthError extends kind('NETOPS_METADATA_STORE_AUTH', 'auth') {}
export class StoreConflictError extends kind('NETOPS_METADATA_STORE_CONFLICT', 'precondition') {}
export class StoreDataError extends kind('NETOPS_METADATA_STORE_DATA', 'refused') {}
export class StoreEmptyError extends kind('NETOPS_METADATA_STORE_EMPTY', 'notFound') {}

/** Every error class, for the catalogue check and the README table. */
export const ERROR_CATALOGUE = [
  UsageError,
  InputError,
  UnexpectedError,
  SshUnreachableError,
  SshAuthError,
  SshTimeoutError,
  SshHostKeyUnknownError,
  SshHostKeyChangedError,
  SshProtocolError,
  ConnectionLostError,
  EnableAuthError,
  DeviceCommandError,
  DevicePromptError,
  PortNotFoundError,
  PortAmbiguousError,
  WrongCauseError,
  PlatformMismatchError,
  ConfirmationRequiredError,
  VerificationError,
  InterruptedError,
  OvsNotInstalledError,
  OvsDbUnreachableError,
  OvsVswitchdDownError,
  OvsCommandError,
  OvsBridgeNotFoundError,
  OvsConflictError,
  PermissionError,
  ExecTimeoutError,
  LoopUnknownError,
  InventoryError,
  InstanceNotFoundError,
  ListenError,
  DependencyError,
  RedirectConflictError,
  RedirectCommandError,
  AdminUnreachableError,
  ProvisioningTimeoutError,
  StoreUnreachableError,
  StoreAuthError,
  StoreConflictError,
  StoreDataError,
  StoreEmptyError,
] as const
