import { onUnmounted, ref, type Ref } from 'vue'

/** Whether a media query matches, following the window as it changes (e.g. a phone turned round). */
export function useMediaQuery(query: string): Ref<boolean> {
  const list = window.matchMedia(query)
  const matches = ref(list.matches)
  const update = (e: MediaQueryListEvent) => (matches.value = e.matches)
  list.addEventListener('change', update)
  onUnmounted(() => list.removeEventListener('change', update))
  return matches
}

/** Phone width: where tables become cards. */
export const PHONE = '(max-width: 600px)'
