// A small Express site: EJS pages from views/, files from public/.
const express = require('express')
const path = require('path')

const PORT = process.env.PORT || 5006

const app = express()
app.use(express.static(path.join(__dirname, 'public')))
app.set('views', path.join(__dirname, 'views'))
app.set('view engine', 'ejs')

app.get('/', (req, res) => res.render('pages/index', { started: startedAt.toISOString() }))
app.get('/times', (req, res) => {
  const times = Number(process.env.TIMES) || 5
  res.render('pages/times', { times: Array.from({ length: times }, (_, i) => i) })
})
app.get('/health', (req, res) => res.json({ status: 'ok', uptime: process.uptime() }))

const startedAt = new Date()
const server = app.listen(PORT, () => console.log(`Listening on ${PORT}`))

process.on('SIGTERM', () => {
  console.log('SIGTERM received: closing the HTTP server')
  server.close(() => process.exit(0))
})
