import { fileURLToPath, URL } from 'node:url'
import VueI18nPlugin from '@intlify/unplugin-vue-i18n/vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vitest/config'

// The API server for `npm run dev`; the built app is served by the backend itself.
const api = process.env.RECTIFY_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    vue(),
    // Messages compiled at build time; the app ships vue-i18n without its message compiler.
    // (Unit tests read the messages as written.)
    process.env.VITEST
      ? []
      : VueI18nPlugin({ include: [fileURLToPath(new URL('./src/i18n/{zh-CN,en}.ts', import.meta.url))] }),
    // Element Plus on demand: only the components (and their CSS) that the app uses.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy: { '/api': api } },
  build: {
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'charts'
        },
      },
    },
  },
  test: { environment: 'jsdom', include: ['tests/unit/**/*.spec.ts'] },
})
