// A sign-up and log-in API; passwords are kept only as bcrypt hashes.
const PORT = process.env.PORT || 8000
const express = require('express')
const bcrypt = require('bcrypt')

const app = express()
app.use(express.json())

const users = new Map()

app.post('/users', async (req, res) => {
  const { name, password } = req.body || {}
  if (!name || !password) return res.status(400).json({ error: 'name and password are required' })
  if (users.has(name)) return res.status(409).json({ error: 'user exists' })
  users.set(name, await bcrypt.hash(password, 10))
  res.status(201).json({ name })
})

app.post('/users/login', async (req, res) => {
  const { name, password } = req.body || {}
  const hash = users.get(name)
  if (!hash || !(await bcrypt.compare(String(password), hash))) {
    return res.status(401).json({ error: 'wrong name or password' })
  }
  res.json({ name, ok: true })
})

app.get('/health', (req, res) => res.json({ status: 'ok', rounds: bcrypt.getRounds(bcrypt.hashSync('probe', 4)) }))

app.listen(PORT, () => {
  console.log(`Server is running on port: ${PORT}`)
})
