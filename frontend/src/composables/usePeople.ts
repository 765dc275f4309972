import { ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { call } from '@/api/errors'

/** An organisation's active accounts and departments, for choosing who answers for what. */
export function usePeople() {
  const users = ref<Schemas['UserView'][]>([])
  const departments = ref<Schemas['DepartmentView'][]>([])
  async function load(organisationId: number) {
    const [u, d] = await Promise.all([
      call(
        api.GET('/api/v1/users', { params: { query: { organisation_id: organisationId, active: true, limit: 200 } } }),
      ),
      call(api.GET('/api/v1/organisations/{id}/departments', { params: { path: { id: organisationId } } })),
    ])
    users.value = u.items
    departments.value = d
  }
  return { users, departments, load }
}
