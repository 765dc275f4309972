import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import VueI18nPlugin from '@intlify/unplugin-vue-i18n/vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import Components from 'unplugin-vue-components/vite'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'

/**
 * Writes `.br` and `.gz` beside each built script and style, compressed once at the highest
 * levels, so the server sends them as they are instead of compressing on every request.
 */
function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'rectify-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const assets = join(outDir, 'assets')
      for (const name of readdirSync(assets).filter((n) => /\.(js|css|svg|json)$/.test(n))) {
        const raw = readFileSync(join(assets, name))
        if (raw.length < 1024) continue
        writeFileSync(
          join(assets, `${name}.br`),
          brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        )
        writeFileSync(join(assets, `${name}.gz`), gzipSync(raw, { level: 9 }))
      }
    },
  }
}

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
    precompress(),
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
