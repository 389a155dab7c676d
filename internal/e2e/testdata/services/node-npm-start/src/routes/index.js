const express = require('express')

const router = express.Router()
const notes = []

router.get('/health', (req, res) => res.json({ status: 'ok' }))
router.get('/notes', (req, res) => res.json(notes))
router.post('/notes', (req, res) => {
  const text = req.body && req.body.text
  if (typeof text !== 'string' || text === '') return res.status(400).json({ message: 'text is required' })
  const note = { id: notes.length + 1, text }
  notes.push(note)
  res.status(201).json(note)
})

module.exports = router
