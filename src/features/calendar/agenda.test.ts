import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signIn, testApp, textOf } from '../../../test/helpers.ts'

/** Issue 10 §6: the calendar page shows the week's visits, as well as the feed links. */
describe('the calendar page’s week', () => {
  it('R-ITIN-1 the office sees the week’s visits by day: when, who, and only the postcode district; one make-a-link button per feed', async (t) => {
    const ctx = await testApp(t)
    const office = await signIn(ctx, 'office@westside.example')
    const page = await office.get('/calendar')
    assert.equal(page.statusCode, 200)
    const text = textOf(page.body)
    assert.match(text, /Calendar Week of 23 November 2026 2 visits planned\./)
    assert.match(text, /Wednesday 25 November 2026 14:00 to 15:00: Leo Marsh ?, W6 – Sam Carter, Laura Quinn Approved/)
    assert.match(text, /Thursday 26 November 2026 10:15 to 11:00: Sofia Ferreira ?, W12 – Sam Carter, Laura Quinn Awaiting approval/)
    assert.match(text, /Monday 23 November 2026 No visits\./)
    assert.doesNotMatch(text, /Glenthorne Road|W6 0LS/, 'no street or full postcode')
    assert.equal((page.body.match(/id="personal-create"/g) ?? []).length, 1, 'one button for the personal feed')
    assert.equal((page.body.match(/id="office-create"/g) ?? []).length, 1, 'one button for the office feed')

    const next = textOf((await office.get('/calendar?week=2026-12-02')).body)
    assert.match(next, /Week of 30 November 2026/)
    const bad = await office.get('/calendar?week=2026-02-31')
    assert.equal(bad.statusCode, 400)
    assert.match(textOf(bad.body), /There is a problem/)
  })

  it('R-CONF-1 a visitor’s week holds only the visits they are on or planned', async (t) => {
    const ctx = await testApp(t)
    const visitor2 = await signIn(ctx, 'visitor2@westside.example')
    const text = textOf((await visitor2.get('/calendar')).body)
    assert.match(text, /Week of 23 November 2026 0 visits planned for you\./)
    assert.doesNotMatch(text, /Leo Marsh/)
  })
})
