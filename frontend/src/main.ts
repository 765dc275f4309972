import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { installAuth, useAuth } from './stores/auth'
// Styles of the services called from code (ElMessage, ElMessageBox), which the resolver cannot see.
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './style.css'

const app = createApp(App).use(createPinia()).use(i18n)
installAuth()
// Start restoring the session now, while the first page's code loads.
useAuth()
  .restore()
  .catch(() => false)
app.use(router).mount('#app')
