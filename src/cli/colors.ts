import {Chalk, type ChalkInstance} from 'chalk'

/** Colour is on only for a TTY stdout and when NO_COLOR is unset (https://no-color.org). */
function colorLevel(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): 0 | 1 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return 1
  return isTty ? 1 : 0
}

/** The one chalk instance all human output uses. */
export const color: ChalkInstance = new Chalk({level: colorLevel()})
