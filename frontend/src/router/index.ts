import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
// The frame of every signed-in page: loaded with the app rather than after the session check.
import AppLayout from '@/components/AppLayout.vue'
import { LEDGER_READERS, useAuth, type Role } from '@/stores/auth'
import { landing, useTasks } from '@/stores/tasks'

declare module 'vue-router' {
  interface RouteMeta {
    /** Who may open the page; absent: every signed-in user. */
    roles?: Role[]
    public?: boolean
  }
}

export const REVIEWERS: Role[] = ['responsible_leader', 'leader', 'discipline', 'bureau_supervisor']
export const OFFICE: Role[] = ['coordinator', 'admin']
export const AUDITORS: Role[] = ['discipline', 'bureau_supervisor', 'admin']

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: AppLayout,
    children: [
      // Each role lands where its work is.
      {
        path: '',
        component: () => import('@/views/MessageView.vue'),
        beforeEnter: async () => {
          const auth = useAuth()
          if (!(await auth.restore().catch(() => false))) return '/login'
          const items = await useTasks()
            .load()
            .catch(() => [])
          return landing(items, auth.hasRole(...REVIEWERS))
        },
      },
      { path: 'tasks', component: () => import('@/views/TasksView.vue'), props: { mode: 'mine' } },
      {
        path: 'reviews',
        component: () => import('@/views/TasksView.vue'),
        props: { mode: 'review' },
        meta: { roles: REVIEWERS },
      },
      { path: 'ledger/:inspection?', component: () => import('@/views/LedgerView.vue') },
      {
        path: 'dashboard/:inspection?',
        component: () => import('@/views/DashboardView.vue'),
        meta: { roles: LEDGER_READERS },
      },
      { path: 'reports/:inspection?', component: () => import('@/views/ReportsView.vue') },
      { path: 'measures/:id', component: () => import('@/views/MeasureView.vue') },
      { path: 'problems/:id', component: () => import('@/views/ProblemView.vue') },
      { path: 'inspections', component: () => import('@/views/InspectionsView.vue'), meta: { roles: OFFICE } },
      { path: 'inspections/:id', component: () => import('@/views/InspectionEditView.vue'), meta: { roles: OFFICE } },
      { path: 'import', component: () => import('@/views/ImportView.vue'), meta: { roles: OFFICE } },
      {
        path: 'bureau',
        component: () => import('@/views/BureauView.vue'),
        meta: { roles: ['bureau_supervisor', 'admin'] },
      },
      { path: 'audit', component: () => import('@/views/AuditView.vue'), meta: { roles: AUDITORS } },
      { path: 'admin', component: () => import('@/views/AdminView.vue'), meta: { roles: OFFICE } },
      { path: 'notifications', component: () => import('@/views/NotificationsView.vue') },
      { path: 'forbidden', component: () => import('@/views/MessageView.vue'), props: { kind: 'forbidden' } },
      { path: ':rest(.*)*', component: () => import('@/views/MessageView.vue'), props: { kind: 'notFound' } },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

// After the page's code is fetched (beforeResolve), so that fetching it and restoring the session
// (started at start-up) overlap.
router.beforeResolve(async (to) => {
  if (to.meta.public) return true
  const auth = useAuth()
  if (!(await auth.restore().catch(() => false))) return { path: '/login', query: { redirect: to.fullPath } }
  const roles = to.matched.flatMap((r) => r.meta.roles ?? [])
  if (roles.length && !auth.hasRole(...roles)) return { path: '/forbidden' }
  return true
})
