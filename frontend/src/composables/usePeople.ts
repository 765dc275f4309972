import { ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { call } from '@/api/errors'

/**
 * An organisation's active accounts and departments, for choosing who answers for what; with
 * `withDisabled`, its disabled accounts too, to name people chosen before (never to choose).
 */
export function usePeople() {
  const users = ref<Schemas['UserView'][]>([])
  const disabledUsers = ref<Schemas['UserView'][]>([])
  const departments = ref<Schemas['DepartmentView'][]>([])
  const accounts = (organisationId: number, active: boolean) =>
    call(api.GET('/api/v1/users', { params: { query: { organisation_id: organisationId, active, limit: 200 } } }))
  async function load(organisationId: number, { withDisabled = false } = {}) {
    const [u, d, off] = await Promise.all([
      accounts(organisationId, true),
      call(api.GET('/api/v1/organisations/{id}/departments', { params: { path: { id: organisationId } } })),
      withDisabled ? accounts(organisationId, false) : Promise.resolve(null),
    ])
    users.value = u.items
    departments.value = d
    disabledUsers.value = off?.items ?? []
  }
  return { users, disabledUsers, departments, load }
}
