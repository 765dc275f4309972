import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { call } from '@/api/errors'

/** The bell: unread count and the latest notifications, refreshed every minute. */
export const useNotifications = defineStore('notifications', () => {
  const unread = ref(0)
  const items = ref<Schemas['NotificationView'][]>([])
  let timer: ReturnType<typeof setInterval> | undefined

  async function load() {
    const inbox = await call(api.GET('/api/v1/me/notifications'))
    unread.value = inbox.unread
    items.value = inbox.items
  }

  async function markRead(id: number) {
    await call(api.POST('/api/v1/me/notifications/{id}/read', { params: { path: { id } } }))
    await load()
  }

  async function markAllRead() {
    await call(api.POST('/api/v1/me/notifications/read'))
    await load()
  }

  function start() {
    stop()
    load().catch(() => undefined)
    timer = setInterval(() => load().catch(() => undefined), 60_000)
  }

  function stop() {
    if (timer) clearInterval(timer)
    timer = undefined
  }

  return { unread, items, load, markRead, markAllRead, start, stop }
})
