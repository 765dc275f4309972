import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, authMiddleware, singleFlight, type Schemas } from '@/api/client'
import { call } from '@/api/errors'
import { setDisplayZone } from '@/composables/format'

export type Role = Schemas['Role']
type Me = Schemas['Me']

const REFRESH_KEY = 'rectify.refresh'

/** Who sees the whole ledger and its statistics; staff see only the measures assigned to them. */
export const LEDGER_READERS: Role[] = [
  'admin',
  'coordinator',
  'leader',
  'discipline',
  'responsible_leader',
  'bureau_supervisor',
]

/** The signed-in user: tokens, profile and roles. The refresh token survives a reload. */
export const useAuth = defineStore('auth', () => {
  const accessToken = ref<string | null>(null)
  const refreshToken = ref<string | null>(localStorage.getItem(REFRESH_KEY))
  const me = ref<Me | null>(null)

  function keep(pair: Schemas['TokenPair']) {
    accessToken.value = pair.access_token
    refreshToken.value = pair.refresh_token
    localStorage.setItem(REFRESH_KEY, pair.refresh_token)
  }

  function clear() {
    accessToken.value = null
    refreshToken.value = null
    me.value = null
    localStorage.removeItem(REFRESH_KEY)
  }

  const refresh = singleFlight(async (): Promise<boolean> => {
    const token = refreshToken.value
    if (!token) return false
    const { data, response } = await api.POST('/api/v1/auth/refresh', { body: { refresh_token: token } })
    if (!response.ok || !data) {
      clear()
      return false
    }
    keep(data)
    return true
  })

  async function loadMe() {
    me.value = await call(api.GET('/api/v1/me'))
    setDisplayZone(me.value.organisation.timezone)
  }

  async function login(username: string, password: string) {
    keep(await call(api.POST('/api/v1/auth/login', { body: { username, password } })))
    await loadMe()
  }

  /** Restores the session after a reload; false when there is none. Concurrent calls share one. */
  const restoreOnce = singleFlight(async (): Promise<boolean> => {
    if (!refreshToken.value || !(await refresh())) return false
    await loadMe()
    return true
  })
  async function restore(): Promise<boolean> {
    return me.value ? true : restoreOnce()
  }

  async function logout() {
    const token = refreshToken.value
    clear()
    if (token) await api.POST('/api/v1/auth/logout', { body: { refresh_token: token } }).catch(() => undefined)
  }

  const roles = computed<Role[]>(() => me.value?.roles ?? [])
  const hasRole = (...wanted: Role[]) => wanted.some((r) => roles.value.includes(r))
  /** Sees the organisation's whole ledger and its statistics; staff see the measures assigned to them. */
  const seesWholeLedger = computed(() => hasRole(...LEDGER_READERS))

  return { accessToken, refreshToken, me, roles, hasRole, seesWholeLedger, login, logout, restore, refresh, loadMe }
})

/** Connects the API client to the session; called once at start-up. */
export function installAuth() {
  const auth = useAuth()
  api.use(authMiddleware({ accessToken: () => auth.accessToken, refresh: auth.refresh }))
}
