import {ios} from './ios.js'
import {nxos} from './nxos.js'
import type {PlatformName, PlatformSpec} from './types.js'

export const PLATFORMS: Record<PlatformName, PlatformSpec> = {ios, nxos}

export type {PlatformName, PlatformSpec} from './types.js'
