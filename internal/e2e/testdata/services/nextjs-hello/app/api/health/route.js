// GET /api/health: the server is up. Dynamic, so it is answered at run time.
export const dynamic = 'force-dynamic'

export function GET() {
  return Response.json({ status: 'ok' })
}
