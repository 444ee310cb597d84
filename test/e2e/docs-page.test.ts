import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const TOKEN = 'try-it-out-token';

let t: TestApp;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  t = await startTestApp({ DEMO_ENABLED: 'true', API_TOKEN: TOKEN });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('/docs in a real browser', () => {
  it('authorizes with the API token and starts the demo camera from "Try it out"', async () => {
    const page = await browser.context.newPage();
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(t.baseUrl)) external.push(request.url());
    });
    await page.goto(`${t.baseUrl}/docs`);
    await page.locator('.opblock-summary-path', { hasText: '/api/stream/start' }).first().waitFor({ timeout: 20_000 });

    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input[type=text], .modal-ux input[type=password]').first().fill(TOKEN);
    await page.locator('.modal-ux button.authorize').first().click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const operation = page.locator('#operations-streams-get_api_stream_start');
    await operation.locator('.opblock-summary').click();
    // tryItOutEnabled: the operation opens ready to send.
    await operation.locator('tr[data-param-name="indicator_id"] input').fill('demo');
    await operation.locator('button.execute').click();

    const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 30_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    const body = await operation.locator('.live-responses-table .microlight').first().textContent();
    expect(JSON.parse(body!)).toMatchObject({ indicator_id: 'demo', status: 'started', stream_path: '/streams/demo/stream.m3u8' });
    // It really ran: the daemon has the stream, playable.
    await waitFor(() => t.services.manager.get('demo')?.state === 'running', { timeoutMs: 10_000 });
    expect(external).toEqual([]);
    await page.close();
  }, 60_000);
});
