import { ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { call } from '@/api/errors'

/** The inspections the caller sees, and which one a page shows (the route's, else the newest). */
export function useInspections() {
  const inspections = ref<Schemas['InspectionView'][]>([])
  async function load(organisationId?: number) {
    const page = await call(
      api.GET('/api/v1/inspections', { params: { query: { limit: 200, organisation_id: organisationId } } }),
    )
    inspections.value = page.items
    return page.items
  }
  return { inspections, load }
}

/** The inspection a page opens on: the one being rectified, else the newest. */
export function current(list: Schemas['InspectionView'][]): Schemas['InspectionView'] | undefined {
  return list.find((i) => i.status === 'rectifying') ?? list[0]
}
